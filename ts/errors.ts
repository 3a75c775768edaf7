/** The typed error of sheetc's API and CLI. `code` is stable; match on it, not on messages. */
export type SheetcErrorCode =
  | 'E_NOT_A_WORKBOOK'
  | 'E_ENCRYPTED'
  | 'E_LEGACY_FORMAT'
  | 'E_UNSUPPORTED_FORMAT'
  | 'E_CORRUPT'
  | 'E_TOO_LARGE'
  | 'E_IO'
  | 'E_CANCELLED'
  | 'E_STRICT'
  | 'E_INVALID_OPTION'
  | 'E_INTERNAL'
  | 'E_NATIVE_UNAVAILABLE'
  | 'E_UNKNOWN_REF'
  | 'E_FORMULA_TOO_DEEP';

export class SheetcError extends Error {
  readonly code: SheetcErrorCode;
  /** `Sheet!A1` when the error belongs to a cell. */
  readonly location: string | undefined;
  constructor(code: SheetcErrorCode, message: string, location?: string) {
    super(location ? `${message} (at ${location})` : message);
    this.name = 'SheetcError';
    this.code = code;
    this.location = location;
  }
}
