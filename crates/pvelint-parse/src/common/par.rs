//! Work split over two threads for large trees: used by the CLI to read files and by
//! `load` to parse them.

/// Below this many files, a second thread costs more than it saves.
pub const PARALLEL_MIN_FILES: usize = 256;

/// Runs `work` over `items` on two threads (one half each, results in input order) when
/// there are `files` ≥ [`PARALLEL_MIN_FILES`] and two cores, else on this thread. A
/// panic in `work` is a bug and is re-raised. Shared by the reader and the parser.
pub fn on_two_threads<T: Send, R: Send>(items: Vec<T>, files: usize, work: impl Fn(Vec<T>) -> Vec<R> + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || files < PARALLEL_MIN_FILES {
        return work(items);
    }
    let mut first = items;
    let second = first.split_off(first.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| work(second));
        let mut out = work(first);
        match other.join() {
            Ok(rest) => out.extend(rest),
            Err(e) => std::panic::resume_unwind(e),
        }
        out
    })
}
