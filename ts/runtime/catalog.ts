/**
 * The catalogue of Microsoft Excel's worksheet functions: every function of Excel 365's
 * "Excel functions (alphabetical)" and "(by category)" references (the combined entries
 * such as FIND/FINDB counted as two names), plus functions Excel evaluates without listing
 * them (ECMA.CEILING). Used to report which functions sheetc supports (FUNCTIONS.md) and
 * by the compiler to tell an Excel function the runtime lacks (backfilled and reported)
 * from a name Excel does not know (#NAME?); the registry says which are implemented.
 *
 * Names are upper-case as Excel spells them, with dots and without `_xlfn.` prefixes.
 */

export type FunctionCategory =
  | 'Add-in and Automation'
  | 'AI and Python'
  | 'Compatibility'
  | 'Cube'
  | 'Database'
  | 'Date and time'
  | 'Engineering'
  | 'Financial'
  | 'Information'
  | 'Logical'
  | 'Lookup and reference'
  | 'Math and trigonometry'
  | 'Statistical'
  | 'Text'
  | 'Unlisted'
  | 'Web';

/** Function names per category (space-separated, to keep the table compact). */
const BY_CATEGORY: Record<FunctionCategory, string> = {
  'Add-in and Automation': 'CALL EUROCONVERT REGISTER.ID',
  'AI and Python': 'COPILOT PY',
  'Compatibility':
    'BETADIST BETAINV BINOMDIST CHIDIST CHIINV CHITEST CONCATENATE CONFIDENCE COVAR CRITBINOM EXPONDIST ' +
    'FDIST FINV FLOOR FORECAST FTEST GAMMADIST GAMMAINV HYPGEOMDIST LOGINV LOGNORMDIST MODE NEGBINOMDIST ' +
    'NORMDIST NORMINV NORMSDIST NORMSINV PERCENTILE PERCENTRANK POISSON QUARTILE RANK STDEV STDEVP TDIST ' +
    'TINV TTEST VAR VARP WEIBULL ZTEST',
  'Cube':
    'CUBEKPIMEMBER CUBEMEMBER CUBEMEMBERPROPERTY CUBERANKEDMEMBER CUBESET CUBESETCOUNT CUBEVALUE',
  'Database':
    'DAVERAGE DCOUNT DCOUNTA DGET DMAX DMIN DPRODUCT DSTDEV DSTDEVP DSUM DVAR DVARP',
  'Date and time':
    'DATE DATEDIF DATEVALUE DAY DAYS DAYS360 EDATE EOMONTH HOUR ISOWEEKNUM MINUTE MONTH NETWORKDAYS ' +
    'NETWORKDAYS.INTL NOW SECOND TIME TIMEVALUE TODAY WEEKDAY WEEKNUM WORKDAY WORKDAY.INTL YEAR YEARFRAC',
  'Engineering':
    'BESSELI BESSELJ BESSELK BESSELY BIN2DEC BIN2HEX BIN2OCT BITAND BITLSHIFT BITOR BITRSHIFT BITXOR ' +
    'COMPLEX CONVERT DEC2BIN DEC2HEX DEC2OCT DELTA ERF ERF.PRECISE ERFC ERFC.PRECISE GESTEP HEX2BIN ' +
    'HEX2DEC HEX2OCT IMABS IMAGINARY IMARGUMENT IMCONJUGATE IMCOS IMCOSH IMCOT IMCSC IMCSCH IMDIV IMEXP ' +
    'IMLN IMLOG10 IMLOG2 IMPOWER IMPRODUCT IMREAL IMSEC IMSECH IMSIN IMSINH IMSQRT IMSUB IMSUM IMTAN ' +
    'OCT2BIN OCT2DEC OCT2HEX',
  'Financial':
    'ACCRINT ACCRINTM AMORDEGRC AMORLINC COUPDAYBS COUPDAYS COUPDAYSNC COUPNCD COUPNUM COUPPCD CUMIPMT ' +
    'CUMPRINC DB DDB DISC DOLLARDE DOLLARFR DURATION EFFECT FV FVSCHEDULE INTRATE IPMT IRR ISPMT ' +
    'MDURATION MIRR NOMINAL NPER NPV ODDFPRICE ODDFYIELD ODDLPRICE ODDLYIELD PDURATION PMT PPMT PRICE ' +
    'PRICEDISC PRICEMAT PV RATE RECEIVED RRI SLN STOCKHISTORY SYD TBILLEQ TBILLPRICE TBILLYIELD VDB XIRR ' +
    'XNPV YIELD YIELDDISC YIELDMAT',
  'Information':
    'CELL ERROR.TYPE INFO ISBLANK ISERR ISERROR ISEVEN ISFORMULA ISLOGICAL ISNA ISNONTEXT ISNUMBER ISODD ' +
    'ISOMITTED ISREF ISTEXT N NA SHEET SHEETS TYPE',
  'Logical':
    'AND BYCOL BYROW FALSE IF IFERROR IFNA IFS LAMBDA LET MAKEARRAY MAP NOT OR REDUCE SCAN SWITCH TRUE ' +
    'XOR',
  'Lookup and reference':
    'ADDRESS AREAS CHOOSE CHOOSECOLS CHOOSEROWS COLUMN COLUMNS DROP EXPAND FIELDVALUE FILTER FORMULATEXT ' +
    'GETPIVOTDATA GROUPBY HLOOKUP HSTACK HYPERLINK IMAGE INDEX INDIRECT LOOKUP MATCH OFFSET PIVOTBY ROW ' +
    'ROWS RTD SORT SORTBY TAKE TOCOL TOROW TRANSPOSE TRIMRANGE UNIQUE VLOOKUP VSTACK WRAPCOLS WRAPROWS ' +
    'XLOOKUP XMATCH',
  'Math and trigonometry':
    'ABS ACOS ACOSH ACOT ACOTH AGGREGATE ARABIC ASIN ASINH ATAN ATAN2 ATANH BASE CEILING CEILING.MATH ' +
    'CEILING.PRECISE COMBIN COMBINA COS COSH COT COTH CSC CSCH DECIMAL DEGREES EVEN EXP FACT FACTDOUBLE ' +
    'FLOOR.MATH FLOOR.PRECISE GCD INT ISO.CEILING LCM LN LOG LOG10 MDETERM MINVERSE MMULT MOD MROUND ' +
    'MULTINOMIAL MUNIT ODD PERCENTOF PI POWER PRODUCT QUOTIENT RADIANS RAND RANDARRAY RANDBETWEEN ROMAN ' +
    'ROUND ROUNDDOWN ROUNDUP SEC SECH SEQUENCE SERIESSUM SIGN SIN SINH SQRT SQRTPI SUBTOTAL SUM SUMIF ' +
    'SUMIFS SUMPRODUCT SUMSQ SUMX2MY2 SUMX2PY2 SUMXMY2 TAN TANH TRUNC',
  'Statistical':
    'AVEDEV AVERAGE AVERAGEA AVERAGEIF AVERAGEIFS BETA.DIST BETA.INV BINOM.DIST BINOM.DIST.RANGE ' +
    'BINOM.INV CHISQ.DIST CHISQ.DIST.RT CHISQ.INV CHISQ.INV.RT CHISQ.TEST CONFIDENCE.NORM CONFIDENCE.T ' +
    'CORREL COUNT COUNTA COUNTBLANK COUNTIF COUNTIFS COVARIANCE.P COVARIANCE.S DEVSQ EXPON.DIST F.DIST ' +
    'F.DIST.RT F.INV F.INV.RT F.TEST FISHER FISHERINV FORECAST.ETS FORECAST.ETS.CONFINT ' +
    'FORECAST.ETS.SEASONALITY FORECAST.ETS.STAT FORECAST.LINEAR FREQUENCY GAMMA GAMMA.DIST GAMMA.INV ' +
    'GAMMALN GAMMALN.PRECISE GAUSS GEOMEAN GROWTH HARMEAN HYPGEOM.DIST INTERCEPT KURT LARGE LINEST LOGEST ' +
    'LOGNORM.DIST LOGNORM.INV MAX MAXA MAXIFS MEDIAN MIN MINA MINIFS MODE.MULT MODE.SNGL NEGBINOM.DIST ' +
    'NORM.DIST NORM.INV NORM.S.DIST NORM.S.INV PEARSON PERCENTILE.EXC PERCENTILE.INC PERCENTRANK.EXC ' +
    'PERCENTRANK.INC PERMUT PERMUTATIONA PHI POISSON.DIST PROB QUARTILE.EXC QUARTILE.INC RANK.AVG RANK.EQ ' +
    'RSQ SKEW SKEW.P SLOPE SMALL STANDARDIZE STDEV.P STDEV.S STDEVA STDEVPA STEYX T.DIST T.DIST.2T ' +
    'T.DIST.RT T.INV T.INV.2T T.TEST TREND TRIMMEAN VAR.P VAR.S VARA VARPA WEIBULL.DIST Z.TEST',
  'Text':
    'ARRAYTOTEXT ASC BAHTTEXT CHAR CLEAN CODE CONCAT DBCS DETECTLANGUAGE DOLLAR EXACT FIND FINDB FIXED ' +
    'LEFT LEFTB LEN LENB LOWER MID MIDB NUMBERVALUE PHONETIC PROPER REGEXEXTRACT REGEXREPLACE REGEXTEST ' +
    'REPLACE REPLACEB REPT RIGHT RIGHTB SEARCH SEARCHB SUBSTITUTE T TEXT TEXTAFTER TEXTBEFORE TEXTJOIN ' +
    'TEXTSPLIT TRANSLATE TRIM UNICHAR UNICODE UPPER VALUE VALUETOTEXT',
  // Functions Excel evaluates that its references do not list (formula_stress_test.xlsx,
  // saved by Excel 2011 for Mac, calls ECMA.CEILING and stores 2).
  'Unlisted': 'ECMA.CEILING',
  'Web':
    'ENCODEURL FILTERXML WEBSERVICE',
};

/**
 * Why each Excel function the runtime does not implement is left to Excel's stored value
 * (the compiler backfills and reports a cell calling it). FUNCTIONS.md shows the reason;
 * a catalogued function that is neither implemented nor listed here is reported as
 * "not implemented yet".
 */
export const UNSUPPORTED_REASONS: Readonly<Record<string, string>> = {
  CALL: 'calls a procedure in a DLL or code resource on the machine running Excel',
  'REGISTER.ID': 'returns the id of a DLL procedure registered on the machine running Excel',
  EUROCONVERT: 'belongs to the Euro Currency Tools add-in, not to Excel itself',
  COPILOT: 'asks Microsoft 365 Copilot, an online AI service',
  PY: 'runs Python in Microsoft\'s cloud',
  CUBEKPIMEMBER: 'queries an OLAP cube or the workbook\'s data model through a connection',
  CUBEMEMBER: 'queries an OLAP cube or the workbook\'s data model through a connection',
  CUBEMEMBERPROPERTY: 'queries an OLAP cube or the workbook\'s data model through a connection',
  CUBERANKEDMEMBER: 'queries an OLAP cube or the workbook\'s data model through a connection',
  CUBESET: 'queries an OLAP cube or the workbook\'s data model through a connection',
  CUBESETCOUNT: 'counts a set that lives in an OLAP cube or data model',
  CUBEVALUE: 'queries an OLAP cube or the workbook\'s data model through a connection',
  WEBSERVICE: 'fetches a URL from the internet',
  FILTERXML: 'is paired with WEBSERVICE and not available on every Excel platform; its XPath subset is not documented',
  ENCODEURL: 'is grouped with the web functions; Excel\'s exact set of escaped characters is not documented',
  IMAGE: 'fetches a picture from the internet',
  TRANSLATE: 'calls Microsoft\'s online translation service',
  DETECTLANGUAGE: 'calls Microsoft\'s online translation service',
  STOCKHISTORY: 'fetches market data from an online service',
  RTD: 'reads a live COM automation server on the machine running Excel',
  GETPIVOTDATA: 'reads a pivot table\'s computed cells, which the engine does not rebuild',
  FIELDVALUE: 'reads a field of a linked data type (Stocks, Geography), fetched from an online service',
  INFO: 'describes the machine and Excel session (directory, operating system, version, recalculation mode)',
  PHONETIC: 'reads the furigana (phonetic) annotation of East Asian text, which the engine does not hold',
  'ECMA.CEILING': 'is not documented by Microsoft (an ECMA-376 compatibility form of CEILING whose rules Excel does not publish)',
  'FORECAST.ETS':
    'Excel documents the AAA exponential-smoothing model but not how it fits the smoothing parameters, initialises the state or detects seasonality, so its results cannot be reproduced exactly',
  'FORECAST.ETS.CONFINT': 'depends on FORECAST.ETS\'s undocumented parameter fitting (see FORECAST.ETS)',
  'FORECAST.ETS.SEASONALITY': 'Excel\'s seasonality detection for FORECAST.ETS is not documented',
  'FORECAST.ETS.STAT': 'reports FORECAST.ETS\'s fitted parameters, whose fitting is not documented',
};

/** Every Excel worksheet function with its category, sorted by name. */
export const EXCEL_FUNCTIONS: readonly { name: string; category: FunctionCategory }[] = Object.entries(BY_CATEGORY)
  .flatMap(([category, names]) =>
    names
      .split(' ')
      .filter((n) => n !== '')
      .map((name) => ({ name, category: category as FunctionCategory })),
  )
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The category of a function name, or undefined when Excel has no such function. */
export function functionCategory(name: string): FunctionCategory | undefined {
  const n = name.toUpperCase().replace(/^(_XLFN\.|_XLWS\.)+/, '');
  return EXCEL_FUNCTIONS.find((f) => f.name === n)?.category;
}
