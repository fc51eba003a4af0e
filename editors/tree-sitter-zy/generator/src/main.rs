// The generator of tree-sitter 0.20.7 (cli/src/generate), built alone from Debian's crates.
#![allow(warnings)] // vendored code, kept as upstream wrote it
mod generate;
mod tree_sitter {
    pub const LANGUAGE_VERSION: usize = 14;
    pub const PARSER_HEADER: &str = include_str!("parser.h");
}
fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    generate::generate_parser_in_directory(&std::path::PathBuf::from(dir), None, tree_sitter::LANGUAGE_VERSION, false, None)
}
