//! Defined names and the cells they point at (for output profiles and the engine's spec,
//! so `run({ Rate: 0.1 })` and `get('Rate')` work by name).

use crate::bind::{Binder, Resolved};
use crate::model::Workbook;
use crate::plan::NamePlan;

pub fn defined_names(workbook: &Workbook, binder: &mut Binder<'_>) -> Vec<NamePlan> {
    let mut out = Vec::new();
    for n in &workbook.names {
        let area = binder.parser().parse(&n.formula).ok().and_then(|expr| match binder.bind(&expr, n.scope.unwrap_or(0), 0, 0).ok()?.resolve_at(0, 0) {
            Resolved::At(r) => Some([r.sheet, r.r0, r.c0, r.r1, r.c1]),
            _ => None,
        });
        out.push(NamePlan { name: n.name.clone(), scope: n.scope, area });
    }
    out
}
