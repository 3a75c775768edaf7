//! Graph stage: the dependency graph of computed cells and their evaluation order.
//!
//! Nodes are computed cells (formulas, array-formula anchors). A precedent area is
//! resolved to the computed cells inside it through a per-column sorted index, so a
//! `SUM(A1:A100000)` over constants adds no edge at all, and over formulas only the
//! formula cells it covers. Strongly connected components (Tarjan, iterative: no
//! recursion, so a million-cell chain cannot overflow the stack) are *clusters*. Tarjan
//! emits components with all their precedents first, which is the evaluation order.

use std::collections::HashMap;

/// A concrete rectangle: sheet, r0, c0, r1, c1 (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rect {
    pub sheet: u32,
    pub r0: u32,
    pub c0: u32,
    pub r1: u32,
    pub c1: u32,
}

/// Computed cells by (sheet, column): sorted (row, node) pairs.
pub struct CellIndex {
    columns: HashMap<(u32, u32), Vec<(u32, u32)>>,
    /// Array-formula member cells → the anchor's node.
    members: HashMap<(u32, u32, u32), u32>,
    member_columns: HashMap<(u32, u32), Vec<(u32, u32)>>,
}

impl CellIndex {
    pub fn new(nodes: &[(u32, u32, u32)], members: impl IntoIterator<Item = ((u32, u32, u32), u32)>) -> Self {
        let mut columns: HashMap<(u32, u32), Vec<(u32, u32)>> = HashMap::new();
        for (i, &(s, r, c)) in nodes.iter().enumerate() {
            columns.entry((s, c)).or_default().push((r, i as u32));
        }
        for v in columns.values_mut() {
            v.sort_unstable();
        }
        let members: HashMap<(u32, u32, u32), u32> = members.into_iter().collect();
        let mut member_columns: HashMap<(u32, u32), Vec<(u32, u32)>> = HashMap::new();
        for (&(s, r, c), &n) in &members {
            member_columns.entry((s, c)).or_default().push((r, n));
        }
        for v in member_columns.values_mut() {
            v.sort_unstable();
        }
        CellIndex { columns, members, member_columns }
    }

    /// Calls `f` with every node whose cell lies in `rect` (array members map to their anchor).
    pub fn nodes_in(&self, rect: Rect, f: &mut dyn FnMut(u32)) {
        let width = rect.c1.saturating_sub(rect.c0) as usize + 1;
        // Whole-row references: walk the columns that exist rather than 16,384.
        if width > 64 {
            for (&(s, c), rows) in self.columns.iter().chain(self.member_columns.iter()) {
                if s == rect.sheet && c >= rect.c0 && c <= rect.c1 {
                    Self::scan(rows, rect.r0, rect.r1, f);
                }
            }
            return;
        }
        for c in rect.c0..=rect.c1 {
            if let Some(rows) = self.columns.get(&(rect.sheet, c)) {
                Self::scan(rows, rect.r0, rect.r1, f);
            }
            if let Some(rows) = self.member_columns.get(&(rect.sheet, c)) {
                Self::scan(rows, rect.r0, rect.r1, f);
            }
        }
    }

    fn scan(rows: &[(u32, u32)], r0: u32, r1: u32, f: &mut dyn FnMut(u32)) {
        let start = rows.partition_point(|&(r, _)| r < r0);
        for &(r, n) in &rows[start..] {
            if r > r1 {
                break;
            }
            f(n);
        }
    }

    pub fn member_anchor(&self, sheet: u32, row: u32, col: u32) -> Option<u32> {
        self.members.get(&(sheet, row, col)).copied()
    }
}

/// The graph in compressed adjacency form: `targets[offsets[i]..offsets[i+1]]` are the
/// precedents of node `i`.
pub struct Graph {
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
}

impl Graph {
    /// Builds the graph; `precedents(i, push)` reports node `i`'s precedent rectangles.
    pub fn build(node_count: usize, index: &CellIndex, mut precedents: impl FnMut(u32, &mut dyn FnMut(Rect))) -> Graph {
        let mut offsets = Vec::with_capacity(node_count + 1);
        let mut targets: Vec<u32> = Vec::new();
        offsets.push(0);
        for i in 0..node_count as u32 {
            let start = targets.len();
            precedents(i, &mut |rect| index.nodes_in(rect, &mut |n| targets.push(n)));
            // Dedupe this node's edges (ranges often overlap).
            let slice = &mut targets[start..];
            slice.sort_unstable();
            let mut w = start;
            for r in start..targets.len() {
                if r == start || targets[r] != targets[w - 1] {
                    targets[w] = targets[r];
                    w += 1;
                }
            }
            targets.truncate(w);
            offsets.push(targets.len() as u32);
        }
        Graph { offsets, targets }
    }

    fn edges(&self, n: u32) -> &[u32] {
        &self.targets[self.offsets[n as usize] as usize..self.offsets[n as usize + 1] as usize]
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// Strongly connected components in evaluation order (precedents first). A
    /// component of several nodes, or one node that reads itself, is a cluster.
    pub fn components(&self) -> Vec<Component> {
        let n = self.offsets.len() - 1;
        const UNSEEN: u32 = u32::MAX;
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        let mut out = Vec::new();
        let mut next = 0u32;
        // Explicit DFS stack: (node, position in its edge list).
        let mut work: Vec<(u32, usize)> = Vec::new();
        for root in 0..n as u32 {
            if index[root as usize] != UNSEEN {
                continue;
            }
            work.push((root, 0));
            index[root as usize] = next;
            low[root as usize] = next;
            next += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            while let Some(&mut (v, ref mut pos)) = work.last_mut() {
                let edges = self.edges(v);
                if *pos < edges.len() {
                    let w = edges[*pos];
                    *pos += 1;
                    if index[w as usize] == UNSEEN {
                        index[w as usize] = next;
                        low[w as usize] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w as usize] = true;
                        work.push((w, 0));
                    } else if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(index[w as usize]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let mut members = Vec::new();
                    loop {
                        let Some(w) = stack.pop() else { break };
                        on_stack[w as usize] = false;
                        members.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if members.len() == 1 && !self.edges(v).contains(&v) {
                        out.push(Component::Cell(v));
                    } else {
                        members.sort_unstable();
                        out.push(Component::Cluster(members));
                    }
                }
            }
        }
        out
    }
}

/// Orders components for evaluation. Components are Tarjan's SCCs; the order is a
/// topological order of their condensation in which *dynamic* components (cells
/// whose references are computed at run time: OFFSET, INDIRECT) are scheduled as late
/// as possible: a dynamic cell runs only when no other cell is ready. So whatever
/// target a dynamic reference resolves to after an input change, every cell that does
/// not itself depend on the dynamic cell has already been computed.
pub fn schedule(graph: &Graph, components: Vec<Component>, is_dynamic: impl Fn(u32) -> bool) -> Vec<Component> {
    let n = graph.offsets.len() - 1;
    let mut comp_of = vec![0u32; n];
    for (ci, c) in components.iter().enumerate() {
        match c {
            Component::Cell(v) => comp_of[*v as usize] = ci as u32,
            Component::Cluster(m) => m.iter().for_each(|v| comp_of[*v as usize] = ci as u32),
        }
    }
    let k = components.len();
    // Precedent counts and dependents lists between components.
    let mut indegree = vec![0u32; k];
    let mut dep_offsets = vec![0u32; k + 1];
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
    let mut dependents = vec![0u32; dep_offsets[k] as usize];
    for v in 0..n as u32 {
        let cv = comp_of[v as usize];
        for &w in graph.edges(v) {
            let cw = comp_of[w as usize];
            if cw != cv {
                dependents[fill[cw as usize] as usize] = cv;
                fill[cw as usize] += 1;
            }
        }
    }
    let dynamic: Vec<bool> = components
        .iter()
        .map(|c| match c {
            Component::Cell(v) => is_dynamic(*v),
            Component::Cluster(m) => m.iter().any(|v| is_dynamic(*v)),
        })
        .collect();
    // Ready components are taken in Tarjan's order (stable output without dynamic cells).
    let mut ready_dynamic: std::collections::BinaryHeap<std::cmp::Reverse<u32>> = std::collections::BinaryHeap::new();
    let mut ready_normal: std::collections::BinaryHeap<std::cmp::Reverse<u32>> = std::collections::BinaryHeap::new();
    for c in 0..k as u32 {
        if indegree[c as usize] == 0 {
            if dynamic[c as usize] {
                ready_dynamic.push(std::cmp::Reverse(c));
            } else {
                ready_normal.push(std::cmp::Reverse(c));
            }
        }
    }
    let mut order: Vec<u32> = Vec::with_capacity(k);
    loop {
        let next = match ready_normal.pop() {
            Some(std::cmp::Reverse(c)) => c,
            None => match ready_dynamic.pop() {
                Some(std::cmp::Reverse(c)) => c,
                None => break,
            },
        };
        order.push(next);
        for i in dep_offsets[next as usize]..dep_offsets[next as usize + 1] {
            let d = dependents[i as usize];
            indegree[d as usize] -= 1;
            if indegree[d as usize] == 0 {
                if dynamic[d as usize] {
                    ready_dynamic.push(std::cmp::Reverse(d));
                } else {
                    ready_normal.push(std::cmp::Reverse(d));
                }
            }
        }
    }
    let mut slots: Vec<Option<Component>> = components.into_iter().map(Some).collect();
    order.into_iter().filter_map(|c| slots[c as usize].take()).collect()
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
        let order = schedule(&g, g.components(), |v| v == 0);
        assert_eq!(order.last(), Some(&Component::Cell(0)));
        assert_eq!(order.len(), 3);
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
}
