//! The `formcoach` program: a thin shell over the library's command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    // SAFETY: the first statement of `main`: no other thread exists yet.
    #[allow(unsafe_code)]
    unsafe {
        formcoach::models::runtime::switch_telemetry_off();
    }
    formcoach::cli::main()
}
