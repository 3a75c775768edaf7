/**
 * CONVERT's unit table (Excel's documented units), SI prefixes and binary prefixes.
 * Each unit has a category and a factor to the category's base unit; temperatures are
 * converted through kelvin with offsets.
 */

interface Unit {
  cat: string;
  factor: number;
  /**
   * Accepts decimal prefixes (k, M, m, ...). Which units do is Excel's own table, not
   * "the metric ones": CONVERT.xlsx has Excel accept Mly, Mmph and Muk_pt but reject
   * Mly2 and Mly3 (distance!J10, Speed!J8, Volume!J9, Area!I12, Volume!J25).
   */
  prefix?: boolean;
  /** Accepts binary prefixes (ki, Mi, ...): information units. */
  binary?: boolean;
  /** Power the prefix is raised to (2 for areas such as m2, 3 for volumes). */
  power?: number;
}

const IN = 0.0254;
const FT = 0.3048;
const YD = 0.9144;
const MI = 1609.344;
const NMI = 1852;
const LY = 9460730472580800;
const PC = 3.0856775812815532e16;
const PICA_PT = IN / 72;
const PICA = IN / 6;
const SURVEY_MI = (5280 * 1200) / 3937;
const ANG = 1e-10;
const LBF = 4.4482216152605;
const GAL = 3.785411784e-3;

const UNITS: Record<string, Unit> = Object.create(null);
function add(names: string[], cat: string, factor: number, opts: Partial<Unit> = {}): void {
  for (const n of names) UNITS[n] = { cat, factor, ...opts };
}

// Weight and mass (gram)
add(['g'], 'mass', 1, { prefix: true });
add(['sg'], 'mass', 14593.902937206363);
add(['lbm'], 'mass', 453.59237);
add(['u'], 'mass', 1.66053886e-24, { prefix: true });
add(['ozm'], 'mass', 28.349523125);
add(['grain'], 'mass', 0.06479891);
add(['cwt', 'shweight'], 'mass', 45359.237);
add(['uk_cwt', 'lcwt', 'hweight'], 'mass', 50802.34544);
add(['stone'], 'mass', 6350.29318);
add(['ton'], 'mass', 907184.74);
add(['uk_ton', 'LTON', 'brton'], 'mass', 1016046.9088);

// Distance (meter)
add(['m'], 'dist', 1, { prefix: true });
add(['mi'], 'dist', MI);
add(['Nmi'], 'dist', NMI);
add(['in'], 'dist', IN);
add(['ft'], 'dist', FT);
add(['yd'], 'dist', YD);
add(['ang'], 'dist', ANG, { prefix: true });
add(['ell'], 'dist', 1.143);
add(['ly'], 'dist', LY, { prefix: true });
add(['parsec', 'pc'], 'dist', PC, { prefix: true });
add(['Picapt', 'Pica'], 'dist', PICA_PT);
add(['pica'], 'dist', PICA);
add(['survey_mi'], 'dist', SURVEY_MI);

// Time (second)
add(['yr'], 'time', 31557600);
add(['day', 'd'], 'time', 86400);
add(['hr'], 'time', 3600);
add(['mn', 'min'], 'time', 60);
add(['sec', 's'], 'time', 1, { prefix: true });

// Pressure (pascal)
add(['Pa', 'p'], 'pressure', 1, { prefix: true });
add(['atm', 'at'], 'pressure', 101325, { prefix: true });
add(['mmHg'], 'pressure', 133.322, { prefix: true });
add(['psi'], 'pressure', 6894.757293168361);
add(['Torr'], 'pressure', 101325 / 760);

// Force (newton)
add(['N'], 'force', 1, { prefix: true });
add(['dyn', 'dy'], 'force', 1e-5, { prefix: true });
add(['lbf'], 'force', LBF);
add(['pond'], 'force', 9.80665e-3, { prefix: true });

// Energy (joule)
add(['J'], 'energy', 1, { prefix: true });
add(['e'], 'energy', 1e-7, { prefix: true });
add(['c'], 'energy', 4.184, { prefix: true });
add(['cal'], 'energy', 4.1868, { prefix: true });
add(['eV', 'ev'], 'energy', 1.602176487e-19, { prefix: true });
add(['HPh', 'hh'], 'energy', 2684519.537696173);
add(['Wh', 'wh'], 'energy', 3600, { prefix: true });
add(['flb'], 'energy', FT * LBF);
add(['BTU', 'btu'], 'energy', 1055.05585262);

// Power (watt)
add(['HP', 'h'], 'power', 745.6998715822702);
add(['PS'], 'power', 735.49875);
add(['W', 'w'], 'power', 1, { prefix: true });

// Magnetism (tesla)
add(['T'], 'magnetism', 1, { prefix: true });
add(['ga'], 'magnetism', 1e-4, { prefix: true });

// Temperature (handled with offsets; factor unused)
add(['C', 'cel'], 'temp', 1);
add(['F', 'fah'], 'temp', 1);
add(['K', 'kel'], 'temp', 1, { prefix: true });
add(['Rank'], 'temp', 1);
add(['Reau'], 'temp', 1);

// Volume (cubic meter)
add(['tsp'], 'vol', 4.92892159375e-6);
add(['tspm'], 'vol', 5e-6);
add(['tbs'], 'vol', 1.478676478125e-5);
add(['oz'], 'vol', 2.95735295625e-5);
add(['cup'], 'vol', 2.365882365e-4);
add(['pt', 'us_pt'], 'vol', 4.73176473e-4);
add(['uk_pt'], 'vol', 5.6826125e-4, { prefix: true });
add(['qt'], 'vol', 9.46352946e-4);
add(['uk_qt'], 'vol', 1.1365225e-3);
add(['gal'], 'vol', GAL);
add(['uk_gal'], 'vol', 4.54609e-3);
add(['l', 'L', 'lt'], 'vol', 1e-3, { prefix: true });
add(['ang3', 'ang^3'], 'vol', ANG ** 3, { prefix: true, power: 3 });
add(['barrel'], 'vol', 42 * GAL);
add(['bushel'], 'vol', 0.03523907016688);
add(['ft3', 'ft^3'], 'vol', FT ** 3);
add(['in3', 'in^3'], 'vol', IN ** 3);
add(['ly3', 'ly^3'], 'vol', LY ** 3);
add(['m3', 'm^3'], 'vol', 1, { prefix: true, power: 3 });
add(['mi3', 'mi^3'], 'vol', MI ** 3);
add(['yd3', 'yd^3'], 'vol', YD ** 3);
add(['Nmi3', 'Nmi^3'], 'vol', NMI ** 3);
add(['Picapt3', 'Picapt^3', 'Pica3', 'Pica^3'], 'vol', PICA_PT ** 3);
add(['GRT', 'regton'], 'vol', 100 * FT ** 3);
add(['MTON'], 'vol', 40 * FT ** 3);

// Area (square meter)
add(['uk_acre'], 'area', 4046.8564224);
add(['us_acre'], 'area', 4046.872609874252);
add(['ang2', 'ang^2'], 'area', ANG ** 2, { prefix: true, power: 2 });
add(['ar'], 'area', 100, { prefix: true });
add(['ft2', 'ft^2'], 'area', FT ** 2);
add(['ha'], 'area', 10000);
add(['in2', 'in^2'], 'area', IN ** 2);
add(['ly2', 'ly^2'], 'area', LY ** 2);
add(['m2', 'm^2'], 'area', 1, { prefix: true, power: 2 });
add(['Morgen'], 'area', 2500);
add(['mi2', 'mi^2'], 'area', MI ** 2);
add(['Nmi2', 'Nmi^2'], 'area', NMI ** 2);
add(['Picapt2', 'Pica2', 'Pica^2', 'Picapt^2'], 'area', PICA_PT ** 2);
add(['yd2', 'yd^2'], 'area', YD ** 2);

// Information (bit)
add(['bit'], 'info', 1, { prefix: true, binary: true });
add(['byte'], 'info', 8, { prefix: true, binary: true });

// Speed (meter per second)
add(['admkn'], 'speed', 6080 * FT / 3600);
add(['kn'], 'speed', NMI / 3600);
add(['m/h', 'm/hr'], 'speed', 1 / 3600, { prefix: true });
add(['m/s', 'm/sec'], 'speed', 1, { prefix: true });
add(['mph'], 'speed', MI / 3600, { prefix: true });

const PREFIXES: Record<string, number> = {
  Y: 1e24, Z: 1e21, E: 1e18, P: 1e15, T: 1e12, G: 1e9, M: 1e6, k: 1e3, h: 1e2, da: 1e1, e: 1e1,
  d: 1e-1, c: 1e-2, m: 1e-3, u: 1e-6, n: 1e-9, p: 1e-12, f: 1e-15, a: 1e-18, z: 1e-21, y: 1e-24,
};
const BINARY: Record<string, number> = {
  Yi: 2 ** 80, Zi: 2 ** 70, Ei: 2 ** 60, Pi: 2 ** 50, Ti: 2 ** 40, Gi: 2 ** 30, Mi: 2 ** 20, ki: 2 ** 10,
};

interface Resolved {
  cat: string;
  factor: number;
  name: string;
  scale: number;
}

/** A unit name with an optional prefix; undefined when unknown (Excel: #N/A). */
export function resolveUnit(text: string): Resolved | undefined {
  const u = UNITS[text];
  if (u) return { cat: u.cat, factor: u.factor, name: text, scale: 1 };
  for (const [p, f] of Object.entries(BINARY)) {
    if (!text.startsWith(p)) continue;
    const b = UNITS[text.slice(p.length)];
    if (b && b.binary) return { cat: b.cat, factor: b.factor * f, name: text.slice(p.length), scale: f };
  }
  for (const p of ['da', ...Object.keys(PREFIXES).filter((k) => k !== 'da')]) {
    if (!text.startsWith(p)) continue;
    const b = UNITS[text.slice(p.length)];
    if (b && b.prefix) {
      const f = PREFIXES[p]! ** (b.power ?? 1);
      return { cat: b.cat, factor: b.factor * f, name: text.slice(p.length), scale: f };
    }
  }
  return undefined;
}

/** Temperature to kelvin and back. */
function toKelvin(name: string, v: number): number {
  switch (name) {
    case 'C':
    case 'cel':
      return v + 273.15;
    case 'F':
    case 'fah':
      return ((v - 32) * 5) / 9 + 273.15;
    case 'Rank':
      return (v * 5) / 9;
    case 'Reau':
      return v * 1.25 + 273.15;
    default:
      return v;
  }
}
function fromKelvin(name: string, k: number): number {
  switch (name) {
    case 'C':
    case 'cel':
      return k - 273.15;
    case 'F':
    case 'fah':
      return ((k - 273.15) * 9) / 5 + 32;
    case 'Rank':
      return (k * 9) / 5;
    case 'Reau':
      return (k - 273.15) / 1.25;
    default:
      return k;
  }
}

/** CONVERT(number, from, to): undefined when the units are unknown or incompatible. */
export function convertUnits(x: number, from: string, to: string): number | undefined {
  const a = resolveUnit(from);
  const b = resolveUnit(to);
  if (!a || !b || a.cat !== b.cat) return undefined;
  if (a.cat === 'temp') {
    // Prefixed kelvin (mK...) scales the kelvin value.
    const k = toKelvin(a.name, x * a.scale);
    return fromKelvin(b.name, k) / b.scale;
  }
  if (a.factor === b.factor) return x;
  return (x * a.factor) / b.factor;
}
