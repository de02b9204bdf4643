use std::process::ExitCode;

fn main() -> ExitCode {
    glueprint::cli::main()
}
