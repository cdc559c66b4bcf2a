//! No two modules of a crate import each other: the modules' `use crate::…`, `self::…` and
//! `super::…` paths, lifted to the sibling modules they cross, form no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{reach, rust_sources, workspace_root};

/// A module's path inside its crate: `[]` for the root, `["ops", "prepare"]` for
/// `src/ops/prepare/mod.rs` or `src/ops/prepare.rs`.
type ModulePath = Vec<String>;

fn module_path(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut path: ModulePath = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(
        path.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        path.pop();
    }
    path
}

/// The code of a file without comments and without its inline `#[cfg(test)] mod … { }` (tests
/// may reach anywhere; only the modules' own imports count).
fn production_code(text: &str) -> String {
    let code = match text.find("#[cfg(test)]\nmod ") {
        Some(at) if text[at..].lines().nth(1).is_some_and(|l| l.ends_with('{')) => &text[..at],
        _ => text,
    };
    code.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a use tree names, from `chars[*at]` on: `a::{b, c::d}` gives `a::b` and `a::c::d`.
fn use_tree(chars: &[char], at: &mut usize) -> Vec<ModulePath> {
    let skip_space = |at: &mut usize| {
        while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
            *at += 1;
        }
    };
    skip_space(at);
    if chars.get(*at) == Some(&'{') {
        *at += 1;
        let mut all = Vec::new();
        while *at < chars.len() && chars[*at] != '}' {
            all.extend(use_tree(chars, at));
            skip_space(at);
            if chars.get(*at) == Some(&',') {
                *at += 1;
            }
            skip_space(at);
        }
        *at += 1;
        return all;
    }
    let start = *at;
    while chars
        .get(*at)
        .is_some_and(|c| c.is_alphanumeric() || *c == '_')
    {
        *at += 1;
    }
    let name: String = chars[start..*at].iter().collect();
    if name.is_empty() {
        return vec![Vec::new()];
    }
    if chars.get(*at) == Some(&':') && chars.get(*at + 1) == Some(&':') {
        *at += 2;
        return use_tree(chars, at)
            .into_iter()
            .map(|rest| std::iter::once(name.clone()).chain(rest).collect())
            .collect();
    }
    vec![vec![name]]
}

/// Every module path a file's code names through `crate::`, `self::` or `super::`, resolved.
fn referenced_paths(module: &ModulePath, code: &str) -> Vec<ModulePath> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let boundary = at == 0 || !(chars[at - 1].is_alphanumeric() || chars[at - 1] == '_');
        let rest: String = chars[at..chars.len().min(at + 8)].iter().collect();
        let Some(keyword) = ["crate::", "self::", "super::"]
            .into_iter()
            .find(|k| boundary && rest.starts_with(k))
        else {
            at += 1;
            continue;
        };
        at += keyword.len();
        let mut base = match keyword {
            "crate::" => Vec::new(),
            "self::" => module.clone(),
            _ => module[..module.len().saturating_sub(1)].to_vec(),
        };
        for path in use_tree(&chars, &mut at) {
            let mut path = path.as_slice();
            while path.first().is_some_and(|p| p == "super") {
                base.pop();
                path = &path[1..];
            }
            found.push(base.iter().chain(path).cloned().collect());
        }
    }
    found
}

/// Imports between modules, lifted to the siblings they cross: `a::x` naming `b::y` is the
/// edge `a → b`. A module naming its own ancestors or descendants is not an import between two.
fn module_edges(files: &[(ModulePath, String)]) -> BTreeSet<(String, String)> {
    let modules: BTreeSet<&ModulePath> = files.iter().map(|(m, _)| m).collect();
    let mut edges = BTreeSet::new();
    for (module, code) in files {
        for path in referenced_paths(module, code) {
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p))
                .unwrap_or_default();
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common < module.len() && common < target.len() {
                edges.insert((module[..=common].join("::"), target[..=common].join("::")));
            }
        }
    }
    edges
}

/// Pairs of modules that reach each other through imports (any cycle shows as its pairs).
fn mutual_imports(edges: &BTreeSet<(String, String)>) -> Vec<(String, String)> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges {
        graph.entry(from.clone()).or_default().insert(to.clone());
    }
    let reach = |from: &String| reach(&graph, from);
    let mut pairs = Vec::new();
    for a in graph.keys() {
        for b in reach(a).into_iter().filter(|b| b > a) {
            if reach(&b).contains(a) {
                pairs.push((a.clone(), b));
            }
        }
    }
    pairs
}

/// Each crate's non-test modules and their code.
fn crate_modules(src: &Path) -> Vec<(ModulePath, String)> {
    let mut files = Vec::new();
    rust_sources(src, &mut files);
    files
        .iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "tests"))
        .filter(|f| {
            f.file_name()
                .is_some_and(|n| n != "tests.rs" && n != "main.rs")
        })
        .map(|f| {
            let code = production_code(&std::fs::read_to_string(f).unwrap());
            (module_path(src, f), code)
        })
        .collect()
}

#[test]
fn no_two_modules_of_a_crate_import_each_other() {
    let root = workspace_root();
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("host")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let modules = crate_modules(&src);
        let edges = module_edges(&modules);
        checked += edges.len();
        assert_eq!(mutual_imports(&edges), [], "{}", src.display());
    }
    // The check sees imports at all: the host's modules import one another.
    assert!(checked > 10, "only {checked} imports between modules found");
}

#[test]
fn the_module_check_catches_two_modules_importing_each_other() {
    let module = |path: &str, code: &str| {
        let path = path
            .split("::")
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        (path.collect(), production_code(code))
    };
    let files = [
        module("", "pub mod a;\npub mod b;\npub mod c;"),
        module("a", "use crate::{b::{self, Thing}, c};\nuse super::b::x;"),
        module(
            "a::inner",
            "use super::super::c::y; // crate::b::z in a comment",
        ),
        module("b", "pub fn f() { crate::c::g() }"),
        module(
            "c",
            "use crate::a::inner::Y;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}",
        ),
    ];
    let edges = module_edges(&files);
    let edge = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        edges,
        BTreeSet::from([
            edge("a", "b"),
            edge("a", "c"),
            edge("b", "c"),
            edge("c", "a")
        ])
    );
    assert_eq!(
        mutual_imports(&edges),
        [edge("a", "b"), edge("a", "c"), edge("b", "c")]
    );
    let acyclic: BTreeSet<_> = edges.into_iter().filter(|e| e.0 != "c").collect();
    assert_eq!(mutual_imports(&acyclic), []);
}
