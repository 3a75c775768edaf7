//! The lazy engine's unit index (`index.bin`).

use crate::plan::EnginePlan;

use super::modules::formula_runs;

/// The lazy engine's index, written to `index.bin`: little-endian u32s. It is data, not
/// code: kept out of `engine.js`, importing the engine does not parse it (a 1.5 MB
/// base64 literal cost ~8 ms of every import at 1M cells), and `load()` views the file's
/// bytes as a `Uint32Array` with nothing to decode or scan (varints were smaller but
/// their decoding cost more than the whole cone's run). Layout: `units, lists, modules`;
/// the offset of each unit's record, of each dependency list and of each module's unit
/// list (one more: units with cells outside every module's band); then per unit in
/// evaluation order `module, index, n, runs[n] (sheet,row,col,count,vertical ...), n,
/// dependency lists[n], n, modules read[n], dynamic`; per dependency list `n, ids[n]`;
/// per module `n, units[n]`, the units that compute a cell in its band (so `load()`
/// looks a cell up among a few units, not all of them).
pub(super) fn lazy_index(input: &EnginePlan<'_>, order: &[(u32, usize)]) -> Vec<u8> {
    let layout = input.layout;
    let Some(needs) = &layout.needs else { return Vec::new() };
    let (unit_count, list_count, module_count) = (layout.segments.len(), layout.dependency_lists.len(), layout.modules.len());
    // Records first (offsets are known only once each is written), then the header.
    let base = 3 + unit_count + list_count + module_count + 1;
    let mut body: Vec<u32> = Vec::new();
    let mut offsets: Vec<u32> = Vec::with_capacity(unit_count + list_count + module_count + 1);
    // Module bands by sheet, in row order; per module (and one list for cells outside
    // every band) the units computing a cell in it.
    let mut bands: std::collections::BTreeMap<u32, Vec<(u32, u32, usize)>> = std::collections::BTreeMap::new();
    for (m, b) in layout.modules.iter().enumerate() {
        bands.entry(b.sheet).or_default().push((b.r0, b.r1, m));
    }
    for list in bands.values_mut() {
        list.sort_unstable();
    }
    let mut module_units: Vec<Vec<u32>> = vec![Vec::new(); module_count + 1];
    for (i, (seg, need)) in layout.segments.iter().zip(needs).enumerate() {
        offsets.push((base + body.len()) as u32);
        let (m, idx) = order[i];
        body.push(m);
        body.push(idx as u32);
        // The cells the segment computes, array ranges included, per sheet as runs.
        let mut by_sheet: std::collections::BTreeMap<u32, Vec<(u32, u32)>> = std::collections::BTreeMap::new();
        for &n in &seg.nodes {
            let node = input.nodes[n as usize];
            let cells = by_sheet.entry(node.sheet).or_default();
            match node.array_end {
                Some((r1, c1)) => {
                    for r in node.row..=r1 {
                        for c in node.col..=c1 {
                            cells.push((r, c));
                        }
                    }
                }
                None => cells.push((node.row, node.col)),
            }
        }
        let runs: Vec<(u32, (u32, u32, u32, bool))> =
            by_sheet.iter().flat_map(|(sheet, cells)| formula_runs(cells).into_iter().map(move |r| (*sheet, r))).collect();
        body.push(runs.len() as u32 * 5);
        for (sheet, run) in runs {
            body.extend([sheet, run.0, run.1, run.2, run.3 as u32]);
            let (r0, r1) = if run.3 { (run.0, run.0 + run.2 - 1) } else { (run.0, run.0) };
            let mut placed = false;
            // A sheet's bands are disjoint and sorted: the overlapping ones are the last
            // bands starting at or before r1, back to the first one ending after r0.
            let sheet_bands = bands.get(&sheet).map_or(&[][..], |v| v.as_slice());
            let end = sheet_bands.partition_point(|&(b0, _, _)| b0 <= r1);
            for &(_, b1, m) in sheet_bands[..end].iter().rev() {
                if b1 <= r0 {
                    break;
                }
                placed = true;
                if module_units[m].last() != Some(&(i as u32)) {
                    module_units[m].push(i as u32);
                }
            }
            let rest = &mut module_units[module_count];
            if !placed && rest.last() != Some(&(i as u32)) {
                rest.push(i as u32);
            }
        }
        for list in [&need.lists, &need.modules] {
            body.push(list.len() as u32);
            body.extend(list.iter().copied());
        }
        body.push(need.dynamic as u32);
    }
    for list in layout.dependency_lists.iter().chain(&module_units) {
        offsets.push((base + body.len()) as u32);
        body.push(list.len() as u32);
        body.extend(list.iter().copied());
    }
    let mut out: Vec<u8> = Vec::with_capacity(4 * (base + body.len()));
    for v in [unit_count as u32, list_count as u32, module_count as u32].into_iter().chain(offsets).chain(body) {
        put_u32(&mut out, v);
    }
    out
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_numbers_are_little_endian_u32() {
        let mut v = Vec::new();
        for n in [1, 300, u32::MAX] {
            put_u32(&mut v, n);
        }
        assert_eq!(v, vec![1, 0, 0, 0, 0x2c, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    }
}
