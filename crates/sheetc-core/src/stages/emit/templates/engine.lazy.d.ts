export interface LoadScope { sheets?: string[]; cells?: string[] }
/** Imports the modules in the dependency cone of the cells or sheets. */
export declare function load(scope: LoadScope): Promise<void>;
/** Loads what the cells need, then runs. */
export declare function runScoped(inputs: Partial<Inputs> | undefined, options: RunOptions & LoadScope): Promise<RunResult>;
declare const engine: { run: typeof run; load: typeof load; runScoped: typeof runScoped; readonly loaded: { modules: number; units: number } };
