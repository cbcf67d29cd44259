//! Rules across the steps of one playbook: unique ids, `after` naming real steps, no cycles, and
//! the ordering rules (data preserved before seats are released or accounts deleted; disable
//! before delete; destructive actions marked). Reads [`RawStep`]s; never builds a playbook.

use std::collections::HashMap;

use super::diagnostic::{DiagnosticKind, suggest};
use super::raw_step::{RawStep, index};
use super::reader::Cx;
use crate::playbook::Action;

pub(super) fn check(cx: &mut Cx<'_>, steps: &[RawStep]) {
    let index = index(steps);
    duplicate_ids(cx, steps, &index);
    dangling(cx, steps, &index);
    let edges: Vec<Vec<usize>> = steps
        .iter()
        .map(|s| {
            s.after
                .iter()
                .filter_map(|(a, _)| index.get(a.as_str()).copied())
                .collect()
        })
        .collect();
    cycles(cx, steps, &edges);
    ordering(cx, steps, &edges);
}

fn duplicate_ids(cx: &mut Cx<'_>, steps: &[RawStep], index: &HashMap<&str, usize>) {
    for (i, step) in steps.iter().enumerate() {
        let Some((id, span)) = &step.id else { continue };
        let first = index[id.as_str()];
        if first != i {
            let first = steps[first].id.as_ref().map(|(_, s)| *s).unwrap_or(*span);
            cx.report(
                DiagnosticKind::DuplicateStepId {
                    id: id.clone(),
                    first,
                },
                *span,
            );
        }
    }
}

fn dangling(cx: &mut Cx<'_>, steps: &[RawStep], index: &HashMap<&str, usize>) {
    for step in steps {
        let Some((id, _)) = &step.id else { continue };
        for (target, span) in &step.after {
            if !index.contains_key(target.as_str()) {
                cx.report(
                    DiagnosticKind::UnknownDependency {
                        step: id.clone(),
                        missing: target.clone(),
                        suggestion: suggest(target, index.keys().copied()).map(str::to_owned),
                    },
                    *span,
                );
            }
        }
    }
}

/// Report each cycle once: Tarjan's strongly connected components; a component with more than
/// one step (or a step waiting for itself) is reported at its first step in the file, at the
/// `after` entry that starts the cycle path.
fn cycles(cx: &mut Cx<'_>, steps: &[RawStep], edges: &[Vec<usize>]) {
    for component in components(edges) {
        let Some(&start) = component.iter().min() else {
            continue;
        };
        let cyclic = component.len() > 1 || edges[start].contains(&start);
        if !cyclic {
            continue;
        }
        let path = cycle_path(start, &component, edges);
        let names: Vec<String> = path
            .iter()
            .map(|&i| {
                steps[i]
                    .id
                    .as_ref()
                    .map_or_else(String::new, |(id, _)| id.clone())
            })
            .collect();
        let next = path.get(1).copied().unwrap_or(start);
        let next_id = names.get(1).cloned().unwrap_or_default();
        let span = steps[start]
            .after
            .iter()
            .find(|(a, _)| *a == next_id)
            .map(|(_, s)| *s)
            .or_else(|| steps[next].id.as_ref().map(|(_, s)| *s));
        if let Some(span) = span {
            cx.report(DiagnosticKind::DependencyCycle { path: names }, span);
        }
    }
}

/// A shortest path from `start` back to itself inside `component` (breadth-first).
fn cycle_path(start: usize, component: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &next in &edges[node] {
            if !component.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![node];
                let mut at = node;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(next)
                && next != start
            {
                e.insert(node);
                queue.push_back(next);
            }
        }
    }
    vec![start, start]
}

/// Strongly connected components (iterative Tarjan).
fn components(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 && index[v] == usize::MAX {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*next) {
                *next += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

/// Every step reachable through `after` from `start` (its transitive prerequisites).
fn ancestors(start: usize, edges: &[Vec<usize>]) -> Vec<usize> {
    let mut seen = vec![false; edges.len()];
    let mut todo = edges[start].clone();
    let mut out = Vec::new();
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        out.push(i);
        todo.extend(&edges[i]);
    }
    out
}

fn ordering(cx: &mut Cx<'_>, steps: &[RawStep], edges: &[Vec<usize>]) {
    for (i, step) in steps.iter().enumerate() {
        let (Some((kind, span)), Some((id, _))) = (step.kind, &step.id) else {
            continue;
        };
        if kind.is_inherently_destructive() && !step.destructive() {
            cx.report(
                DiagnosticKind::DestructiveNotMarked {
                    step: id.clone(),
                    action: kind.as_str(),
                },
                span,
            );
        }
        if !kind.needs_data_preserved() && kind != Action::IamDelete {
            continue;
        }
        let before = ancestors(i, edges);
        if kind.needs_data_preserved() && !before.iter().any(|&a| steps[a].preserves()) {
            cx.report(
                DiagnosticKind::DataNotPreserved {
                    step: id.clone(),
                    action: kind.as_str(),
                },
                span,
            );
        }
        if kind == Action::IamDelete
            && !before
                .iter()
                .any(|&a| steps[a].is_disable_on(step.connector()))
        {
            cx.report(
                DiagnosticKind::DeleteWithoutDisable {
                    step: id.clone(),
                    connector: step.connector().clone(),
                },
                span,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_find_cycles() {
        // 0 after 1, 1 after 0, 2 after 2, 3 after 0
        let edges = vec![vec![1], vec![0], vec![2], vec![0]];
        let mut comps: Vec<Vec<usize>> = components(&edges)
            .into_iter()
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        comps.sort();
        assert_eq!(comps, [vec![0, 1], vec![2], vec![3]]);
    }

    #[test]
    fn cycle_path_follows_edges() {
        // 0 -> 2 -> 1 -> 0
        let edges = vec![vec![2], vec![0], vec![1]];
        assert_eq!(cycle_path(0, &[0, 1, 2], &edges), [0, 2, 1, 0]);
        let self_loop = vec![vec![0]];
        assert_eq!(cycle_path(0, &[0], &self_loop), [0, 0]);
    }
}
