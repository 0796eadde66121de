//! The layered layout the SVG and the HTML draw: one column per kind of object (nodes |
//! storages | guests | jobs, vzdump.conf files and the rest), rows ordered to reduce
//! edge crossings by barycenter sweeps (each object moves to the mean row of its
//! neighbours in the columns already placed). Two sweeps right then left, each a sort
//! per column: O(edges + objects log objects).

use pvelint_rules::graph::Graph;

pub const COLUMNS: usize = 4;
pub const COLUMN_TITLES: [&str; COLUMNS] = ["nodes", "storages", "guests", "jobs, vzdump.conf, others"];
pub const BOX_W: f64 = 210.0;
pub const COL_W: f64 = 400.0;
pub const ROW_H: f64 = 62.0;
pub const MARGIN: f64 = 20.0;
/// Room above the first row (title, column titles).
pub const TOP: f64 = 64.0;

pub struct Layout {
    /// Column and row of each object.
    pub cell: Vec<(usize, usize)>,
    pub width: f64,
    pub height: f64,
}

impl Layout {
    /// Top-left corner of an object's box.
    pub fn at(&self, o: usize) -> (f64, f64) {
        let (c, r) = self.cell[o];
        (MARGIN + c as f64 * COL_W, TOP + r as f64 * ROW_H)
    }
}

pub fn layered(g: &Graph) -> Layout {
    let n = g.objects.len();
    let col: Vec<usize> = g.objects.iter().map(|o| o.kind.column()).collect();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &g.edges {
        adj[e.from].push(e.to);
        adj[e.to].push(e.from);
    }
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); COLUMNS];
    for (o, &c) in col.iter().enumerate() {
        columns[c].push(o);
    }
    let mut row = vec![0usize; n];
    let set_rows = |columns: &Vec<Vec<usize>>, row: &mut Vec<usize>| {
        for c in columns {
            for (r, &o) in c.iter().enumerate() {
                row[o] = r;
            }
        }
    };
    set_rows(&columns, &mut row);
    let sweep = |columns: &mut Vec<Vec<usize>>, row: &mut Vec<usize>, order: &[usize], before: bool| {
        for &c in order {
            let key = |o: usize| -> f64 {
                let near: Vec<f64> = adj[o]
                    .iter()
                    .filter(|&&x| if before { col[x] < c } else { col[x] > c })
                    .map(|&x| row[x] as f64)
                    .collect();
                if near.is_empty() {
                    row[o] as f64
                } else {
                    near.iter().sum::<f64>() / near.len() as f64
                }
            };
            let mut keyed: Vec<(f64, usize, usize)> = columns[c].iter().map(|&o| (key(o), row[o], o)).collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            columns[c] = keyed.into_iter().map(|(_, _, o)| o).collect();
            for (r, &o) in columns[c].iter().enumerate() {
                row[o] = r;
            }
        }
    };
    for _ in 0..2 {
        sweep(&mut columns, &mut row, &[1, 2, 3], true);
        sweep(&mut columns, &mut row, &[2, 1, 0], false);
    }
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0).max(1);
    Layout {
        cell: (0..n).map(|o| (col[o], row[o])).collect(),
        width: 2.0 * MARGIN + (COLUMNS - 1) as f64 * COL_W + BOX_W,
        height: TOP + rows as f64 * ROW_H + MARGIN,
    }
}
