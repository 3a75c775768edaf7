//! Graph stage: the dependency graph of computed cells and their evaluation order.
//!
//! Nodes are computed cells (formulas, array-formula anchors). A precedent area is
//! resolved through a per-(sheet, column) sorted list of the computed cells, so a
//! `SUM(A1:A100000)` over constants adds no edge at all.
//!
//! Ranges over formula cells stay compact. Expanding every covered cell into an edge
//! makes a running total (`=SUM($A$1:A1)` filled down n rows) cost n²/2 edges: 5·10⁹
//! at 100k rows. Instead, a column whose cells a rectangle covers in bulk gets a
//! segment tree of *virtual* nodes over its list positions (created lazily, the first
//! time a rectangle covers more than [`TREE_THRESHOLD`] of its cells). Its leaves are
//! buckets of [`BUCKET`] consecutive cells (edges to those cells), its inner nodes
//! depend on their two children. A rectangle then costs, per column, at most
//! 2·(BUCKET−1) direct edges for the partial buckets at its ends plus O(log n) edges to
//! tree nodes, and a column's tree costs about 1 + 2/BUCKET edges per cell, once: a
//! one-off SUM over a column costs 12% more edges than its expansion, every further
//! range over that column O(log n).
//!
//! Reachability stays exact: a tree node depends on exactly the cells of its segment,
//! so a cell reaches through the tree only the cells its rectangles cover, and no false
//! cycle appears. Virtual ids follow the real ones (`>= Graph::real`).
//!
//! Strongly connected components (Tarjan, iterative: no recursion, so a million-cell
//! chain cannot overflow the stack) run over real and virtual nodes alike; a component
//! with more than one member (or a cell that reads itself) is a *cluster* of its real
//! members; components of virtual nodes only are not reported. Tarjan emits components
//! with all their precedents first, which is the evaluation order.

use std::collections::HashMap;

use crate::address::Rect;

/// Cells per leaf bucket of a column's segment tree.
const BUCKET: usize = 16;
/// A rectangle covering more than this many of one column's computed cells goes through
/// that column's segment tree; smaller covers are plain edges (cheaper than a tree query).
pub const TREE_THRESHOLD: usize = 2 * BUCKET;

/// Computed cells by (sheet, column): sorted (row, node) pairs. Array-formula members
/// are listed under their anchor's node, so a range over a spilled area depends on the
/// anchor.
pub struct CellIndex {
    /// One sorted (row, node) list per column that holds computed cells.
    columns: Vec<Vec<(u32, u32)>>,
    /// (sheet, column) → index in `columns`, sorted by key: a rectangle walks the
    /// columns that exist in its span (a whole-row reference does not try 16,384).
    keys: Vec<((u32, u32), u32)>,
    /// Per sheet, per column number: its index in `columns`, or NO_COLUMN. Most
    /// rectangles are one cell or a short row span: they find their column directly.
    by_sheet: Vec<Vec<u32>>,
    /// Per column: its first row when its rows are contiguous (then a row's position is
    /// `row - first`, no search), else NOT_DENSE. Generated and real models alike fill
    /// columns in unbroken blocks.
    dense_first: Vec<u32>,
    /// Array-formula member cells → the anchor's node.
    members: HashMap<(u32, u32, u32), u32>,
    /// Where dynamic arrays may grow past their stored range, and their anchors: see
    /// [`CellIndex::with_growth_zones`].
    zones: Vec<(Rect, u32)>,
}

const NO_COLUMN: u32 = u32::MAX;
const NOT_DENSE: u32 = u32::MAX;
/// A rectangle at most this many columns wide looks its columns up directly; a wider one
/// (a whole-row reference spans 16,384) walks the columns that exist.
const DIRECT_SPAN: u32 = 64;

impl CellIndex {
    pub fn new(nodes: &[(u32, u32, u32)], members: impl IntoIterator<Item = ((u32, u32, u32), u32)>) -> Self {
        let members: HashMap<(u32, u32, u32), u32> = members.into_iter().collect();
        let cells = || nodes.iter().enumerate().map(|(i, &(s, r, c))| (s, r, c, i as u32)).chain(members.iter().map(|(&(s, r, c), &n)| (s, r, c, n)));
        // Counting sort by (sheet, column): a count per column, then each cell into its
        // column's slot (no hashing per cell; millions of cells).
        let mut by_sheet: Vec<Vec<u32>> = Vec::new();
        for (s, _, c, _) in cells() {
            let (s, c) = (s as usize, c as usize);
            if by_sheet.len() <= s {
                by_sheet.resize_with(s + 1, Vec::new);
            }
            if by_sheet[s].len() <= c {
                by_sheet[s].resize(c + 1, 0);
            }
            by_sheet[s][c] += 1;
        }
        // Counts become column indexes (NO_COLUMN where there is none), in (sheet, column) order.
        let mut keys = Vec::new();
        let mut columns: Vec<Vec<(u32, u32)>> = Vec::new();
        for (s, cols) in by_sheet.iter_mut().enumerate() {
            for (c, slot) in cols.iter_mut().enumerate() {
                if *slot == 0 {
                    *slot = NO_COLUMN;
                } else {
                    keys.push(((s as u32, c as u32), columns.len() as u32));
                    columns.push(Vec::with_capacity(*slot as usize));
                    *slot = columns.len() as u32 - 1;
                }
            }
        }
        for (s, r, c, n) in cells() {
            columns[by_sheet[s as usize][c as usize] as usize].push((r, n));
        }
        let mut dense_first = Vec::with_capacity(columns.len());
        for rows in &mut columns {
            // Nodes come in row-major order, so a column is usually sorted already.
            if !rows.is_sorted() {
                rows.sort_unstable();
            }
            let first = rows[0].0;
            let dense = rows.iter().enumerate().all(|(k, &(r, _))| r as u64 == first as u64 + k as u64);
            dense_first.push(if dense { first } else { NOT_DENSE });
        }
        CellIndex { columns, keys, by_sheet, dense_first, members, zones: Vec::new() }
    }

    /// Registers where dynamic arrays may grow past the range they were saved with
    /// (`(zone, anchor node)`), so that a reference into a zone depends on its anchor and
    /// is evaluated after it.
    pub fn with_growth_zones(mut self, zones: Vec<(Rect, u32)>) -> Self {
        self.zones = zones;
        self
    }

    /// Calls `f` with the anchor of every dynamic array whose growth zone `rect` touches.
    #[inline]
    fn zone_anchors(&self, rect: Rect, f: &mut dyn FnMut(u32)) {
        for &(z, node) in &self.zones {
            if z.sheet == rect.sheet && z.r0 <= rect.r1 && rect.r0 <= z.r1 && z.c0 <= rect.c1 && rect.c0 <= z.c1 {
                f(node);
            }
        }
    }

    /// The span `a..b` of column `ci`'s cells with rows in `r0..=r1`.
    #[inline]
    fn row_span(&self, ci: usize, r0: u32, r1: u32) -> (usize, usize) {
        let rows = &self.columns[ci];
        let first = self.dense_first[ci];
        if first != NOT_DENSE {
            let len = rows.len() as u64;
            let a = (r0.saturating_sub(first) as u64).min(len);
            let b = ((r1 as u64 + 1).saturating_sub(first as u64)).min(len);
            return (a as usize, b.max(a) as usize);
        }
        let a = rows.partition_point(|&(r, _)| r < r0);
        let b = a + rows[a..].partition_point(|&(r, _)| r <= r1);
        (a, b)
    }

    /// Calls `f(column, a, b)` for every column with computed cells inside `rect`, where
    /// `columns[column][a..b]` are those cells (non-empty).
    #[inline]
    fn covers(&self, rect: Rect, f: &mut dyn FnMut(usize, usize, usize)) {
        if rect.c1 >= rect.c0 && rect.c1 - rect.c0 < DIRECT_SPAN {
            let Some(cols) = self.by_sheet.get(rect.sheet as usize) else { return };
            let end = (rect.c1 as usize + 1).min(cols.len());
            for &ci in cols.get(rect.c0 as usize..end).unwrap_or(&[]) {
                if ci != NO_COLUMN {
                    let (a, b) = self.row_span(ci as usize, rect.r0, rect.r1);
                    if a < b {
                        f(ci as usize, a, b);
                    }
                }
            }
            return;
        }
        let start = self.keys.partition_point(|&(k, _)| k < (rect.sheet, rect.c0));
        for &((s, c), ci) in &self.keys[start..] {
            if s != rect.sheet || c > rect.c1 {
                break;
            }
            let (a, b) = self.row_span(ci as usize, rect.r0, rect.r1);
            if a < b {
                f(ci as usize, a, b);
            }
        }
    }

    /// Calls `f` with every node whose cell lies in `rect` (array members map to their
    /// anchor; an anchor may be reported more than once). Expands the range: the graph
    /// itself uses segment trees instead.
    pub fn nodes_in(&self, rect: Rect, f: &mut dyn FnMut(u32)) {
        self.covers(rect, &mut |ci, a, b| self.columns[ci][a..b].iter().for_each(|&(_, n)| f(n)));
        self.zone_anchors(rect, f);
    }

    pub fn member_anchor(&self, sheet: u32, row: u32, col: u32) -> Option<u32> {
        self.members.get(&(sheet, row, col)).copied()
    }
}

const NO_TREE: u32 = u32::MAX;

/// The segment trees built so far, and their virtual nodes' edges (compressed adjacency,
/// node `first + j` has `targets[offsets[j]..offsets[j+1]]`).
struct Forest {
    /// Id of the first virtual node (= number of real nodes).
    first: u32,
    /// Per column of the index: its tree's first virtual id, or NO_TREE.
    base: Vec<u32>,
    offsets: Vec<usize>,
    targets: Vec<u32>,
}

impl Forest {
    fn new(columns: usize, real: usize) -> Self {
        Forest { first: real as u32, base: vec![NO_TREE; columns], offsets: vec![0], targets: Vec::new() }
    }

    fn virtual_count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Pushes edges making a node depend on exactly `rows[a..b]` of column `ci`.
    ///
    /// The tree is the bottom-up layout over `k` buckets: tree index `i` in `1..2k`,
    /// leaves (buckets) at `k..2k`, node `i`'s children `2i` and `2i+1`. The standard
    /// bottom-up query over the buckets `[lo, hi)` yields nodes whose buckets are exactly
    /// `[lo, hi)`, for any `k` (not only powers of two).
    fn cover(&mut self, rows: &[(u32, u32)], ci: usize, a: usize, b: usize, out: &mut Vec<u32>) {
        if b - a <= TREE_THRESHOLD {
            out.extend(rows[a..b].iter().map(|&(_, n)| n));
            return;
        }
        let base = self.tree(rows, ci);
        let m = rows.len();
        let k = m.div_ceil(BUCKET);
        // Whole buckets in [lo, hi); a trailing short bucket is whole when b reaches the end.
        let lo = a.div_ceil(BUCKET);
        let hi = if b == m { k } else { b / BUCKET };
        if lo >= hi {
            out.extend(rows[a..b].iter().map(|&(_, n)| n));
            return;
        }
        out.extend(rows[a..lo * BUCKET].iter().map(|&(_, n)| n));
        out.extend(rows[(hi * BUCKET).min(b)..b].iter().map(|&(_, n)| n));
        let vid = |i: usize| base + i as u32 - 1;
        let (mut l, mut r) = (lo + k, hi + k);
        while l < r {
            if l & 1 == 1 {
                out.push(vid(l));
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                out.push(vid(r));
            }
            l >>= 1;
            r >>= 1;
        }
    }

    /// The first virtual id of column `ci`'s tree, building the tree on first use.
    fn tree(&mut self, rows: &[(u32, u32)], ci: usize) -> u32 {
        if self.base[ci] != NO_TREE {
            return self.base[ci];
        }
        let base = self.first + self.virtual_count() as u32;
        self.base[ci] = base;
        let m = rows.len();
        let k = m.div_ceil(BUCKET);
        let vid = |i: usize| base + i as u32 - 1;
        for i in 1..2 * k {
            if i < k {
                self.targets.push(vid(2 * i));
                self.targets.push(vid(2 * i + 1));
            } else {
                let j = i - k;
                let start = self.targets.len();
                self.targets.extend(rows[j * BUCKET..((j + 1) * BUCKET).min(m)].iter().map(|&(_, n)| n));
                // Members of one array formula share their anchor.
                dedupe_tail(&mut self.targets, start);
            }
            self.offsets.push(self.targets.len());
        }
        base
    }
}

/// Sorts and dedupes `v[start..]` in place.
fn dedupe_tail(v: &mut Vec<u32>, start: usize) {
    v[start..].sort_unstable();
    let mut w = start;
    for r in start..v.len() {
        if r == start || v[r] != v[w - 1] {
            v[w] = v[r];
            w += 1;
        }
    }
    v.truncate(w);
}

/// The graph in compressed adjacency form: `targets[offsets[i]..offsets[i+1]]` are the
/// precedents of node `i`. Nodes `0..real` are computed cells; nodes `real..` are the
/// virtual segment-tree nodes standing for runs of a column's cells.
pub struct Graph {
    pub offsets: Vec<usize>,
    pub targets: Vec<u32>,
    /// Number of real nodes (computed cells).
    pub real: usize,
}

/// Strongly connected components of all nodes in Tarjan's emission order (precedents
/// first): component `c` is `nodes[starts[c]..starts[c+1]]`.
struct Sccs {
    nodes: Vec<u32>,
    starts: Vec<u32>,
}

impl Sccs {
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn members(&self, c: usize) -> &[u32] {
        &self.nodes[self.starts[c] as usize..self.starts[c + 1] as usize]
    }
}

impl Graph {
    /// Builds the graph; `precedents(i, push)` reports node `i`'s precedent rectangles.
    pub fn build(node_count: usize, index: &CellIndex, precedents: impl Fn(u32, &mut dyn FnMut(Rect)) + Sync) -> Graph {
        use rayon::prelude::*;
        /// Marks a tree query `[QUERY, column, a, b]` among a node's direct edges.
        const QUERY: u32 = u32::MAX;
        const CHUNK: usize = 1 << 15;
        // Phase 1, on all cores: each node's rectangles resolved against the index, into
        // direct edges, or tree queries for covers larger than TREE_THRESHOLD.
        let chunks: Vec<(Vec<u32>, Vec<u32>)> = (0..node_count.div_ceil(CHUNK))
            .into_par_iter()
            .map(|k| {
                let (mut items, mut ends) = (Vec::new(), Vec::with_capacity(CHUNK));
                for i in k * CHUNK..((k + 1) * CHUNK).min(node_count) {
                    precedents(i as u32, &mut |rect| {
                        index.covers(rect, &mut |ci, a, b| {
                            if b - a <= TREE_THRESHOLD {
                                items.extend(index.columns[ci][a..b].iter().map(|&(_, n)| n));
                            } else {
                                items.extend([QUERY, ci as u32, a as u32, b as u32]);
                            }
                        });
                        index.zone_anchors(rect, &mut |n| items.push(n));
                    });
                    ends.push(items.len() as u32);
                }
                (items, ends)
            })
            .collect();
        // Phase 2, in node order (trees are created on first use, so their ids do not
        // depend on the thread count): queries become tree edges, then each node's edges
        // are deduplicated (ranges often overlap).
        let mut forest = Forest::new(index.columns.len(), node_count);
        let mut offsets = Vec::with_capacity(node_count + 1);
        let mut targets: Vec<u32> = Vec::with_capacity(chunks.iter().map(|c| c.0.len()).sum());
        offsets.push(0);
        for (items, ends) in &chunks {
            let mut from = 0usize;
            for &end in ends {
                let start = targets.len();
                let node_items = &items[from..end as usize];
                let mut q = 0;
                while q < node_items.len() {
                    if node_items[q] == QUERY {
                        let (ci, a, b) = (node_items[q + 1] as usize, node_items[q + 2] as usize, node_items[q + 3] as usize);
                        forest.cover(&index.columns[ci], ci, a, b, &mut targets);
                        q += 4;
                    } else {
                        targets.push(node_items[q]);
                        q += 1;
                    }
                }
                dedupe_tail(&mut targets, start);
                offsets.push(targets.len());
                from = end as usize;
            }
        }
        drop(chunks);
        let real_edges = targets.len();
        targets.reserve_exact(forest.targets.len());
        targets.extend_from_slice(&forest.targets);
        offsets.extend(forest.offsets[1..].iter().map(|o| o + real_edges));
        Graph { offsets, targets, real: node_count }
    }

    fn edges(&self, n: u32) -> &[u32] {
        &self.targets[self.offsets[n as usize]..self.offsets[n as usize + 1]]
    }

    /// All edges, real and virtual (a tree node's edges to its children count).
    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// Number of virtual (segment-tree) nodes.
    #[cfg(test)]
    pub fn virtual_count(&self) -> usize {
        self.offsets.len() - 1 - self.real
    }

    /// Tarjan over every node, real and virtual. A node's DFS number and low link sit
    /// side by side (one cache line per visit: at millions of nodes the walk is bound by
    /// memory, not by work), and "on the stack" is a low link not yet set to DONE.
    fn sccs(&self) -> Sccs {
        let n = self.offsets.len() - 1;
        const UNSEEN: u32 = u32::MAX;
        /// The low link of a node whose component is complete (it is off the stack).
        const DONE: u32 = u32::MAX;
        // (DFS number, low link) per node.
        let mut marks: Vec<(u32, u32)> = vec![(UNSEEN, 0); n];
        let mut stack: Vec<u32> = Vec::new();
        let mut out = Sccs { nodes: Vec::with_capacity(n), starts: Vec::with_capacity(n + 1) };
        out.starts.push(0);
        let mut next = 0u32;
        // Explicit DFS stack: (node, position in its edge list).
        let mut work: Vec<(u32, usize)> = Vec::new();
        for root in 0..n as u32 {
            if marks[root as usize].0 != UNSEEN {
                continue;
            }
            work.push((root, self.offsets[root as usize]));
            marks[root as usize] = (next, next);
            next += 1;
            stack.push(root);
            while let Some(&mut (v, ref mut pos)) = work.last_mut() {
                if *pos < self.offsets[v as usize + 1] {
                    let w = self.targets[*pos];
                    *pos += 1;
                    let (w_index, w_low) = marks[w as usize];
                    if w_index == UNSEEN {
                        marks[w as usize] = (next, next);
                        next += 1;
                        stack.push(w);
                        work.push((w, self.offsets[w as usize]));
                    } else if w_low != DONE {
                        let low = &mut marks[v as usize].1;
                        *low = (*low).min(w_index);
                    }
                    continue;
                }
                work.pop();
                let (v_index, v_low) = marks[v as usize];
                if let Some(&(parent, _)) = work.last() {
                    let low = &mut marks[parent as usize].1;
                    *low = (*low).min(v_low);
                }
                if v_low == v_index {
                    while let Some(w) = stack.pop() {
                        marks[w as usize].1 = DONE;
                        out.nodes.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.starts.push(out.nodes.len() as u32);
                }
            }
        }
        out
    }

    /// The reported component for an SCC: None when it holds no real node. Several
    /// members (real or virtual), or one cell that reads itself, make a cluster of the
    /// real members.
    fn component(&self, members: &[u32]) -> Option<Component> {
        let real = self.real as u32;
        match members {
            [v] if *v < real => Some(if self.edges(*v).contains(v) { Component::Cluster(vec![*v]) } else { Component::Cell(*v) }),
            _ => {
                let mut cells: Vec<u32> = members.iter().copied().filter(|&v| v < real).collect();
                if cells.is_empty() {
                    return None;
                }
                cells.sort_unstable();
                Some(Component::Cluster(cells))
            }
        }
    }

    /// Components of the computed cells in evaluation order (precedents first). A
    /// component of several nodes, or one node that reads itself, is a cluster.
    #[cfg(test)]
    pub fn components(&self) -> Vec<Component> {
        let sccs = self.sccs();
        (0..sccs.len()).filter_map(|c| self.component(sccs.members(c))).collect()
    }
}

/// Orders the components of the computed cells for evaluation. Components are
/// Tarjan's SCCs; the order is a topological order of their condensation in which
/// *dynamic* components (cells whose references are computed at run time: OFFSET,
/// INDIRECT) are scheduled as late as possible: a dynamic cell runs only when no other
/// cell is ready. So whatever target a dynamic reference resolves to after an input
/// change, every cell that does not itself depend on the dynamic cell has already been
/// computed.
///
/// Among the ready components, the one with the smallest `key` goes first (a cluster's
/// key is its smallest member's). The key is where the cell sits in the sweep its sheet
/// is best evaluated in (see `stages::schedule`): the order then visits a sheet row by
/// row or column by column wherever its dependencies allow, so the cells of one shape
/// stand next to each other in long straight runs, which the emitter writes as loops
/// that compute their invariant parts once. (Tarjan's order alone is a depth-first
/// walk: topological, but it follows the references of each cell in turn, which
/// interleaves shapes.)
///
/// The condensation includes the components of virtual nodes only (they carry the
/// range dependencies through the segment trees); they are never dynamic, so they are
/// taken as soon as they are ready, and are left out of the result.
pub fn schedule(graph: &Graph, is_dynamic: impl Fn(u32) -> bool, key: impl Fn(u32) -> u64) -> Vec<Component> {
    let sccs = graph.sccs();
    let n = graph.offsets.len() - 1;
    let k = sccs.len();
    let real = graph.real as u32;
    let mut comp_of = vec![0u32; n];
    let mut dynamic = vec![false; k];
    // A component's key: its smallest real member's; VIRTUAL when it has none.
    const VIRTUAL: u64 = u64::MAX;
    let mut comp_key = vec![VIRTUAL; k];
    for c in 0..k {
        for &v in sccs.members(c) {
            comp_of[v as usize] = c as u32;
            if v < real {
                dynamic[c] |= is_dynamic(v);
                comp_key[c] = comp_key[c].min(key(v));
            }
        }
    }
    // The components of real cells ranked by key (then Tarjan's index, so equal keys keep
    // a stable order): the ready ones are bits over these ranks. (Ranked before the
    // dependents lists are built, so that the sort's pairs and those lists are not in
    // memory at once.)
    let mut by_key: Vec<(u64, u32)> = (0..k as u32).filter(|&c| comp_key[c as usize] != VIRTUAL).map(|c| (comp_key[c as usize], c)).collect();
    by_key.sort_unstable();
    drop(comp_key);
    // Each component's rank; UNRANKED for components of virtual nodes alone.
    const UNRANKED: u32 = u32::MAX;
    let mut rank = vec![UNRANKED; k];
    for (r, &(_, c)) in by_key.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    // The component at each rank, and whether the next rank is the next cell in the sweep
    // (its key is this one's plus one).
    let at_rank: Vec<u32> = by_key.iter().map(|&(_, c)| c).collect();
    let continued: Vec<bool> = by_key.windows(2).map(|w| w[1].0 == w[0].0 + 1).collect();
    drop(by_key);
    let next_in_sweep = |r: u32| continued.get(r as usize).is_some_and(|&c| c).then_some(r + 1);
    // Precedent counts and dependents lists between components.
    let mut indegree = vec![0u32; k];
    let mut dep_offsets = vec![0usize; k + 1];
    for v in 0..n as u32 {
        let cv = comp_of[v as usize];
        for &w in graph.edges(v) {
            let cw = comp_of[w as usize];
            if cw != cv {
                indegree[cv as usize] += 1;
                dep_offsets[cw as usize + 1] += 1;
            }
        }
    }
    for i in 0..k {
        dep_offsets[i + 1] += dep_offsets[i];
    }
    let mut fill = dep_offsets.clone();
    let mut dependents = vec![0u32; dep_offsets[k]];
    for v in 0..n as u32 {
        let cv = comp_of[v as usize];
        for &w in graph.edges(v) {
            let cw = comp_of[w as usize];
            if cw != cv {
                dependents[fill[cw as usize]] = cv;
                fill[cw as usize] += 1;
            }
        }
    }
    drop((fill, comp_of));
    // Ready components; dynamic ones only when no other is ready. Components of virtual
    // nodes alone carry no work and have no place in the sweep: a plain stack takes them
    // first.
    let mut ready_virtual: Vec<u32> = Vec::new();
    let mut ready_dynamic = ReadyQueue::new(at_rank.len());
    let mut ready_normal = ReadyQueue::new(at_rank.len());
    let make_ready = |c: u32, ready_virtual: &mut Vec<u32>, ready_normal: &mut ReadyQueue, ready_dynamic: &mut ReadyQueue| {
        if rank[c as usize] == UNRANKED {
            ready_virtual.push(c);
        } else if dynamic[c as usize] {
            ready_dynamic.insert(rank[c as usize]);
        } else {
            ready_normal.insert(rank[c as usize]);
        }
    };
    for c in 0..k as u32 {
        if indegree[c as usize] == 0 {
            make_ready(c, &mut ready_virtual, &mut ready_normal, &mut ready_dynamic);
        }
    }
    let mut order: Vec<u32> = Vec::with_capacity(real as usize);
    // The rank after the last cell taken, when it continues that cell's sweep (see
    // ReadyQueue::take).
    let mut continues: Option<u32> = None;
    loop {
        let next = if let Some(c) = ready_virtual.pop() {
            c
        } else if let Some(r) = ready_normal.take(continues).or_else(|| ready_dynamic.take(continues)) {
            let c = at_rank[r as usize];
            order.push(c);
            continues = next_in_sweep(r);
            c
        } else {
            break;
        };
        for &d in &dependents[dep_offsets[next as usize]..dep_offsets[next as usize + 1]] {
            indegree[d as usize] -= 1;
            if indegree[d as usize] == 0 {
                make_ready(d, &mut ready_virtual, &mut ready_normal, &mut ready_dynamic);
            }
        }
    }
    drop((indegree, dep_offsets, dependents, dynamic, rank, at_rank, continued));
    order.into_iter().filter_map(|c| graph.component(sccs.members(c as usize))).collect()
}

/// Ready components by rank (their keys' order), smallest first: one bit per rank, and
/// above it a bit per non-empty word, up to a single word. Inserting and taking touch
/// one word per level; the sweep mostly takes the rank after the last one, whose word
/// is at hand. (A heap per row or column under an ordered map cost a third of the
/// order's time at a million cells.)
struct ReadyQueue {
    /// `levels[0]` holds a bit per rank; `levels[i + 1]` a bit per non-zero word of `levels[i]`.
    levels: Vec<Vec<u64>>,
}

impl ReadyQueue {
    fn new(ranks: usize) -> Self {
        let mut levels = vec![vec![0u64; ranks.div_ceil(64).max(1)]];
        while let Some(last) = levels.last().filter(|l| l.len() > 1) {
            let words = last.len().div_ceil(64);
            levels.push(vec![0u64; words]);
        }
        ReadyQueue { levels }
    }

    fn insert(&mut self, rank: u32) {
        let mut i = rank as usize;
        for level in &mut self.levels {
            let word = &mut level[i / 64];
            let was_empty = *word == 0;
            *word |= 1 << (i % 64);
            if !was_empty {
                break;
            }
            i /= 64;
        }
    }

    fn remove(&mut self, rank: u32) {
        let mut i = rank as usize;
        for level in &mut self.levels {
            let word = &mut level[i / 64];
            *word &= !(1 << (i % 64));
            if *word != 0 {
                break;
            }
            i /= 64;
        }
    }

    fn contains(&self, rank: u32) -> bool {
        self.levels[0][rank as usize / 64] >> (rank % 64) & 1 == 1
    }

    fn first(&self) -> Option<u32> {
        let top = self.levels.last()?[0];
        if top == 0 {
            return None;
        }
        let mut i = top.trailing_zeros() as usize;
        for level in self.levels.iter().rev().skip(1) {
            i = i * 64 + level[i].trailing_zeros() as usize;
        }
        Some(i as u32)
    }

    /// Takes `next` when it is ready (the cell after the last one taken in its sweep
    /// continues the run: a total on the left of a row of months must not cut the last
    /// month's column), else the smallest ready rank.
    fn take(&mut self, next: Option<u32>) -> Option<u32> {
        let rank = match next {
            Some(r) if self.contains(r) => r,
            _ => self.first()?,
        };
        self.remove(rank);
        Some(rank)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Component {
    Cell(u32),
    /// Mutually dependent cells, sorted by node id (sheet, row, column order).
    Cluster(Vec<u32>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(nodes: &[(u32, u32, u32)], deps: &[&[Rect]]) -> Vec<Component> {
        let index = CellIndex::new(nodes, []);
        let g = Graph::build(nodes.len(), &index, |i, push| {
            for r in deps[i as usize] {
                push(*r);
            }
        });
        g.components()
    }

    fn cell(r: u32, c: u32) -> Rect {
        Rect { sheet: 0, r0: r, c0: c, r1: r, c1: c }
    }

    #[test]
    fn the_ready_queue_takes_the_smallest_rank_or_the_next_in_the_sweep() {
        for ranks in [1usize, 63, 64, 65, 4096, 4097, 300_000] {
            let mut q = ReadyQueue::new(ranks);
            assert_eq!(q.take(None), None);
            // A scattered set (every 7th rank, and the last one).
            let mut want: Vec<u32> = (0..ranks as u32).step_by(7).collect();
            want.push(ranks as u32 - 1);
            want.dedup();
            for &r in want.iter().rev() {
                q.insert(r);
                q.insert(r); // twice is once
            }
            if want.len() > 2 {
                // The continuation is taken first when ready, whatever is smaller.
                let next = want[2];
                assert_eq!(q.take(Some(next)), Some(next));
                assert_eq!(q.take(Some(next)), Some(want[0]), "taken already: the smallest then");
                want.remove(2);
                want.remove(0);
            }
            let mut got = Vec::new();
            while let Some(r) = q.take(None) {
                got.push(r);
            }
            assert_eq!(got, want, "{ranks} ranks");
            assert!(q.levels.iter().all(|l| l.iter().all(|&w| w == 0)));
        }
    }

    #[test]
    fn staircase_orders_by_dependency_not_position() {
        // node0 = row 10 reads row 20 (node1), which reads row 5 (node2).
        let nodes = [(0, 9, 0), (0, 19, 0), (0, 4, 0)];
        let order = graph(&nodes, &[&[cell(19, 0)], &[cell(4, 0)], &[]]);
        assert_eq!(order, vec![Component::Cell(2), Component::Cell(1), Component::Cell(0)]);
    }

    #[test]
    fn cycles_become_clusters() {
        let nodes = [(0, 0, 0), (0, 1, 0), (0, 2, 0)];
        let order = graph(&nodes, &[&[cell(1, 0)], &[cell(0, 0)], &[cell(0, 0)]]);
        assert_eq!(order, vec![Component::Cluster(vec![0, 1]), Component::Cell(2)]);
    }

    #[test]
    fn ranges_find_formula_cells_only() {
        let nodes = [(0, 0, 0), (0, 5, 0), (0, 9, 1)];
        let sum = Rect { sheet: 0, r0: 0, c0: 0, r1: 100, c1: 0 };
        let order = graph(&nodes, &[&[], &[], &[sum]]);
        assert_eq!(order.last(), Some(&Component::Cell(2)));
    }

    #[test]
    fn dynamic_cells_wait_for_every_other_ready_cell() {
        // node0 (dynamic, e.g. INDIRECT) has no static edges; node1 <- node2 chain.
        let nodes = [(0, 0, 0), (0, 5, 0), (0, 6, 0)];
        let index = CellIndex::new(&nodes, []);
        let g = Graph::build(3, &index, |i, push| {
            if i == 2 {
                push(cell(5, 0));
            }
        });
        let order = schedule(&g, |v| v == 0, |_| 0);
        assert_eq!(order.last(), Some(&Component::Cell(0)));
        assert_eq!(order.len(), 3);
    }

    #[test]
    fn the_order_follows_the_sweep_key_where_references_allow() {
        // Rows 0..3; column 0 totals the row's columns 1..=3 (it reads to its right);
        // column c >= 2 reads column c - 1 of its row. Swept column by column (key: column,
        // then row), each column comes out whole, and the totals after the last column,
        // although they sit first in the sweep; Tarjan's walk would interleave the rows.
        let mut nodes = Vec::new();
        for r in 0..3u32 {
            for c in 0..4u32 {
                nodes.push((0, r, c));
            }
        }
        let index = CellIndex::new(&nodes, []);
        let g = Graph::build(nodes.len(), &index, |i, push| {
            let (_, r, c) = nodes[i as usize];
            if c == 0 {
                push(Rect { sheet: 0, r0: r, c0: 1, r1: r, c1: 3 });
            } else if c >= 2 {
                push(cell(r, c - 1));
            }
        });
        let order = schedule(
            &g,
            |_| false,
            |v| {
                let (_, r, c) = nodes[v as usize];
                ((c as u64) << 21) | r as u64
            },
        );
        let positions: Vec<(u32, u32)> = order
            .iter()
            .map(|comp| match comp {
                Component::Cell(v) => (nodes[*v as usize].1, nodes[*v as usize].2),
                other => panic!("no cluster here: {other:?}"),
            })
            .collect();
        let mut expected = Vec::new();
        for c in [1, 2, 3, 0] {
            for r in 0..3 {
                expected.push((r, c));
            }
        }
        assert_eq!(positions, expected);
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let n = 200_000u32;
        let nodes: Vec<_> = (0..n).map(|r| (0, r, 0)).collect();
        let index = CellIndex::new(&nodes, []);
        let g = Graph::build(nodes.len(), &index, |i, push| {
            if i + 1 < n {
                push(cell(i + 1, 0));
            }
        });
        let order = g.components();
        assert_eq!(order.len(), n as usize);
        assert_eq!(order[0], Component::Cell(n - 1));
    }

    fn area(c0: u32, r0: u32, c1: u32, r1: u32) -> Rect {
        Rect { sheet: 0, r0, c0, r1, c1 }
    }

    /// Builds the compact graph for `deps` and the schedule.
    fn build(nodes: &[(u32, u32, u32)], deps: &[Vec<Rect>]) -> (Graph, Vec<Component>) {
        let index = CellIndex::new(nodes, []);
        let g = Graph::build(nodes.len(), &index, |i, push| deps[i as usize].iter().for_each(|r| push(*r)));
        let order = schedule(&g, |_| false, |_| 0);
        (g, order)
    }

    /// The reference: every covered cell an edge (the expansion the trees replace).
    fn expanded(nodes: &[(u32, u32, u32)], deps: &[Vec<Rect>]) -> Graph {
        let index = CellIndex::new(nodes, []);
        let mut offsets = vec![0];
        let mut targets = Vec::new();
        for d in deps {
            let start = targets.len();
            for r in d {
                index.nodes_in(*r, &mut |n| targets.push(n));
            }
            dedupe_tail(&mut targets, start);
            offsets.push(targets.len());
        }
        Graph { offsets, targets, real: nodes.len() }
    }

    /// Every real node appears once, and every expanded edge between different
    /// components points to an earlier component.
    fn assert_valid_order(reference: &Graph, order: &[Component]) {
        let mut pos = vec![usize::MAX; reference.real];
        for (i, c) in order.iter().enumerate() {
            let members = match c {
                Component::Cell(v) => std::slice::from_ref(v),
                Component::Cluster(m) => m.as_slice(),
            };
            for &v in members {
                assert_eq!(pos[v as usize], usize::MAX, "node {v} scheduled twice");
                pos[v as usize] = i;
            }
        }
        assert!(pos.iter().all(|&p| p != usize::MAX), "a node is missing from the order");
        for v in 0..reference.real as u32 {
            for &w in reference.edges(v) {
                assert!(pos[w as usize] <= pos[v as usize], "node {v} runs before its precedent {w}");
            }
        }
    }

    fn clusters(order: &[Component]) -> Vec<Vec<u32>> {
        let mut c: Vec<Vec<u32>> = order
            .iter()
            .filter_map(|c| match c {
                Component::Cluster(m) => Some(m.clone()),
                Component::Cell(_) => None,
            })
            .collect();
        c.sort();
        c
    }

    #[test]
    fn a_running_total_costs_n_log_n_edges_not_n_squared() {
        // A1:An formulas; B(k) = SUM($A$1:A(k)). Expanded: n²/2 = 5·10⁹ edges.
        let n = 100_000u32;
        let mut nodes: Vec<_> = (0..n).map(|r| (0, r, 0)).collect();
        nodes.extend((0..n).map(|r| (0, r, 1)));
        let deps: Vec<Vec<Rect>> = (0..n).map(|_| vec![]).chain((0..n).map(|r| vec![area(0, 0, 0, r)])).collect();
        let (g, order) = build(&nodes, &deps);
        assert!(g.edge_count() < 40 * n as usize, "{} edges for {n} rows", g.edge_count());
        assert!(g.virtual_count() > 0);
        assert_eq!(order.len(), 2 * n as usize);
        // Each B(k) after every A(j), j <= k: after the running maximum of their positions.
        let mut pos = vec![0usize; nodes.len()];
        for (i, c) in order.iter().enumerate() {
            match c {
                Component::Cell(v) => pos[*v as usize] = i,
                Component::Cluster(m) => panic!("false cycle {m:?}"),
            }
        }
        let mut latest_a = 0;
        for k in 0..n as usize {
            latest_a = latest_a.max(pos[k]);
            assert!(pos[n as usize + k] > latest_a, "B{} runs before one of A1:A{}", k + 1, k + 1);
        }
    }

    #[test]
    fn a_self_feeding_running_total_is_ordered_exactly() {
        // B(k) = A(k) + SUM($B$1:B(k-1)): reads its own column above it.
        let n = 3000u32;
        let mut nodes: Vec<_> = (0..n).map(|r| (0, r, 0)).collect();
        nodes.extend((0..n).map(|r| (0, r, 1)));
        let deps: Vec<Vec<Rect>> = (0..n)
            .map(|_| vec![])
            .chain((0..n).map(|r| {
                let mut d = vec![cell(r, 0)];
                if r > 0 {
                    d.push(area(1, 0, 1, r - 1));
                }
                d
            }))
            .collect();
        let (g, order) = build(&nodes, &deps);
        let reference = expanded(&nodes, &deps);
        assert!(g.edge_count() < reference.edge_count() / 20, "{} vs {}", g.edge_count(), reference.edge_count());
        assert!(clusters(&order).is_empty());
        assert_valid_order(&reference, &order);
    }

    #[test]
    fn a_sum_over_a_column_of_formulas_is_a_few_edges() {
        // A1:A1000 formulas reading C1 (a constant cell, no node); C2 = SUM(A1:A1000).
        let n = 1000u32;
        let mut nodes: Vec<_> = (0..n).map(|r| (0, r, 0)).collect();
        nodes.push((0, 1, 2));
        let mut deps: Vec<Vec<Rect>> = (0..n).map(|_| vec![cell(0, 2)]).collect();
        deps.push(vec![area(0, 0, 0, n - 1)]);
        let (g, order) = build(&nodes, &deps);
        let sum_edges = g.edges(n).len();
        assert!(sum_edges <= 2 * BUCKET + 2 * 10, "{sum_edges} edges for one SUM");
        assert!(g.edge_count() < 2 * n as usize);
        assert_eq!(order.last(), Some(&Component::Cell(n)));
        assert_valid_order(&expanded(&nodes, &deps), &order);
    }

    #[test]
    fn a_range_that_includes_its_own_cell_is_a_cluster() {
        // A1 = SUM(A1:A40) over formulas A1:A40: A1 reads itself through the tree.
        let n = 40u32;
        let nodes: Vec<_> = (0..n).map(|r| (0, r, 0)).collect();
        let mut deps: Vec<Vec<Rect>> = (0..n).map(|_| vec![]).collect();
        deps[0] = vec![area(0, 0, 0, n - 1)];
        let (g, order) = build(&nodes, &deps);
        assert!(g.virtual_count() > 0, "the range went through a tree");
        assert_eq!(clusters(&order), vec![vec![0]]);
        assert_eq!(order.len(), n as usize);
        assert_eq!(order.last(), Some(&Component::Cluster(vec![0])));
    }

    #[test]
    fn a_cycle_through_two_ranges_holds_only_its_cells() {
        // A1:A100 formulas; B1 = SUM(A1:A100); A50 = B1 * 2; C1 = SUM(A1:A100) + B1.
        let n = 100u32;
        let mut nodes: Vec<_> = (0..n).map(|r| (0, r, 0)).collect();
        nodes.push((0, 0, 1)); // B1 = node n
        nodes.push((0, 0, 2)); // C1 = node n+1
        let mut deps: Vec<Vec<Rect>> = (0..n).map(|_| vec![]).collect();
        deps[49] = vec![cell(0, 1)];
        deps.push(vec![area(0, 0, 0, n - 1)]);
        deps.push(vec![area(0, 0, 0, n - 1), cell(0, 1)]);
        let (g, order) = build(&nodes, &deps);
        assert!(g.virtual_count() > 0);
        assert_eq!(clusters(&order), vec![vec![49, n]]);
        assert_eq!(order.last(), Some(&Component::Cell(n + 1)));
        assert_valid_order(&expanded(&nodes, &deps), &order);
    }

    #[test]
    fn a_staircase_of_ranges_runs_bottom_up() {
        // B(k) = SUM(B(k+1):B(k+60)): each row reads the 60 below it.
        let n = 2000u32;
        let nodes: Vec<_> = (0..n).map(|r| (0, r, 1)).collect();
        let deps: Vec<Vec<Rect>> = (0..n).map(|r| if r + 1 < n { vec![area(1, r + 1, 1, (r + 60).min(n - 1))] } else { vec![] }).collect();
        let (g, order) = build(&nodes, &deps);
        assert!(g.virtual_count() > 0);
        assert_eq!(order.first(), Some(&Component::Cell(n - 1)));
        assert!(clusters(&order).is_empty());
        assert_valid_order(&expanded(&nodes, &deps), &order);
    }

    #[test]
    fn whole_row_references_use_the_trees() {
        // 100 columns x 50 rows of formulas; one cell below reads rows 1:50 (all columns).
        let (cols, rows) = (100u32, 50u32);
        let mut nodes = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                nodes.push((0, r, c));
            }
        }
        nodes.push((0, 100, 0));
        let mut deps: Vec<Vec<Rect>> = (0..rows * cols).map(|_| vec![]).collect();
        deps.push(vec![area(0, 0, MAX_COL_FOR_TESTS, rows - 1)]);
        let (g, order) = build(&nodes, &deps);
        let last = rows * cols;
        assert!(g.edges(last).len() < (rows * cols / 4) as usize, "{} edges", g.edges(last).len());
        assert_eq!(order.last(), Some(&Component::Cell(last)));
        assert_valid_order(&expanded(&nodes, &deps), &order);
    }

    const MAX_COL_FOR_TESTS: u32 = 16_383;

    #[test]
    fn array_members_in_a_tree_lead_to_their_anchor() {
        // A1 is an array anchor spilling over A1:A40; A41 a formula; B1 = SUM(A1:A41).
        let nodes = [(0, 0, 0), (0, 40, 0), (0, 0, 1)];
        let members = (1..40).map(|r| ((0, r, 0), 0));
        let index = CellIndex::new(&nodes, members);
        let g = Graph::build(3, &index, |i, push| {
            if i == 2 {
                push(area(0, 0, 0, 40));
            }
            if i == 0 {
                push(cell(5, 3)); // nothing there
            }
        });
        assert!(g.virtual_count() > 0);
        let order = schedule(&g, |_| false, |_| 0);
        assert_eq!(order.last(), Some(&Component::Cell(2)));
        assert_eq!(order.len(), 3);
    }

    #[test]
    fn random_ranges_give_the_same_clusters_as_the_expanded_graph() {
        let mut next = crate::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for round in 0..40 {
            let (rows, cols) = (60 + next(200), 1 + next(4));
            let mut nodes = Vec::new();
            for r in 0..rows {
                for c in 0..cols {
                    if next(3) != 0 {
                        nodes.push((0, r, c));
                    }
                }
            }
            // Mostly backward-looking ranges, a few anywhere (to make cycles).
            let deps: Vec<Vec<Rect>> = nodes
                .iter()
                .map(|&(_, r, _)| {
                    (0..next(3))
                        .map(|_| {
                            let (c0, c1) = (next(cols), next(cols));
                            let (r0, r1) = if next(40) == 0 { (next(rows), next(rows)) } else { (next(r + 1) / 2, r.saturating_sub(1 + next(3))) };
                            area(c0.min(c1), r0.min(r1), c0.max(c1), r0.max(r1))
                        })
                        .collect()
                })
                .collect();
            let (g, order) = build(&nodes, &deps);
            let reference = expanded(&nodes, &deps);
            assert!(g.edge_count() <= reference.edge_count() + g.virtual_count() * 2, "round {round}");
            assert_eq!(clusters(&order), clusters(&reference.components()), "round {round}");
            assert_valid_order(&reference, &order);
        }
    }

    #[test]
    fn the_index_finds_exactly_the_cells_in_a_rectangle() {
        // Dense columns (found by arithmetic), sparse ones (binary search), a sheet with
        // no cells, narrow and wide (> DIRECT_SPAN) rectangles, against a scan of all cells.
        let mut next = crate::xorshift(0x2545_F491_4F6C_DD1Du64);
        for round in 0..30 {
            let mut nodes = Vec::new();
            for sheet in [0u32, 2] {
                for c in 0..(1 + next(150)) {
                    let (first, len, dense) = (next(50), next(80), next(2) == 0);
                    for r in first..first + len {
                        if dense || next(3) != 0 {
                            nodes.push((sheet, r, c * (1 + next(2))));
                        }
                    }
                }
            }
            nodes.sort_unstable();
            nodes.dedup();
            let index = CellIndex::new(&nodes, []);
            for _ in 0..200 {
                let sheet = next(4);
                let (c0, c1) = if next(10) == 0 {
                    (0, MAX_COL_FOR_TEST)
                } else {
                    let (a, wide) = (next(320), next(2) == 0);
                    (a, a + next(if wide { 200 } else { 4 }))
                };
                let (r0, r1) = if next(10) == 0 {
                    (0, 1_048_575)
                } else {
                    let a = next(140);
                    (a, a + next(60))
                };
                let rect = Rect { sheet, r0, c0, r1, c1 };
                let mut found = Vec::new();
                index.nodes_in(rect, &mut |n| found.push(n));
                found.sort_unstable();
                let expected: Vec<u32> = nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, &(s, r, c))| s == sheet && (r0..=r1).contains(&r) && (c0..=c1).contains(&c))
                    .map(|(i, _)| i as u32)
                    .collect();
                assert_eq!(found, expected, "round {round}, {rect:?}");
            }
        }
    }

    const MAX_COL_FOR_TEST: u32 = 16_383;
}
