/** SUM and ROUND: the math functions every model uses. */
import { sumValues } from '../../aggregate.js';
import { defineFn } from '../../registry.js';
import type { Value } from '../../values.js';
import { roundHalfAway } from './round.js';

defineFn('SUM', ['any'], 1, 255, (_ctx, ...args: Value[]) => sumValues(args), { pure: true, ranges: 'r' });

defineFn('ROUND', ['number', 'number'], 2, 2, (_ctx, x: number, d: number) => roundHalfAway(x, d), { pure: true });
