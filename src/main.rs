//! The `formcoach` program: a thin shell over the library's command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    formcoach::cli::main()
}
