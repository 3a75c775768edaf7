/** SUM and ROUND: the math functions every model uses. */
import { sumValues } from '../../aggregate.js';
import { defineFn } from '../../registry.js';
import { ERR, type Value } from '../../values.js';
import { roundHalfAway } from './round.js';

defineFn('SUM', ['any'], 1, 255, (_ctx, ...args: Value[]) => sumValues(args), { pure: true, ranges: 'r' });

defineFn('ROUND', ['number', 'number'], 2, 2, (_ctx, x: number, d: number) => roundHalfAway(x, d), { pure: true });

/**
 * PERCENTOF(data_subset, data_all): "the percentage that a subset makes up of a given data
 * set", logically SUM(data_subset) / SUM(data_all) (Excel's PERCENTOF page); #DIV/0! when
 * the total is 0.
 */
defineFn('PERCENTOF', ['any', 'any'], 2, 2, (_ctx, subset: Value, all: Value) => {
  const part = sumValues([subset]);
  if (typeof part !== 'number') return part;
  const total = sumValues([all]);
  if (typeof total !== 'number') return total;
  return total === 0 ? ERR.DIV0 : part / total;
}, { pure: true, ranges: 'r' });
