//! One module per command: each loads its scenarios, checks where it will
//! write, calls the core, renders and publishes.

pub mod compare;
pub mod run;
pub mod sensitivity;
pub mod solve;
pub mod sweep;
pub mod validate;

use crate::cli::options::Task;
use crate::error::Error;

pub fn execute(task: Task) -> Result<(), Error> {
    match task {
        Task::Run {
            file,
            per_trial,
            sim,
            output,
        } => run::run(file.as_deref(), per_trial.as_deref(), &sim, &output),
        Task::Validate { files } => validate::validate(&files),
        Task::Compare { files, sim, output } => compare::compare(&files, &sim, &output),
        Task::Sweep {
            file,
            axes,
            target,
            sim,
            output,
        } => sweep::sweep(&file, &axes, target, &sim, &output),
        Task::Solve {
            file,
            request,
            sim,
            output,
        } => solve::solve(&file, &request, &sim, &output),
        Task::Sensitivity { file, sim, output } => sensitivity::sensitivity(&file, &sim, &output),
    }
}
