"""The order of cimis' modules, written down once: a module imports only leaves and earlier stages.

tests/test_stages.py parses every import in generator/ and fails on one that runs backward or in a
circle, so data can only flow forward: load → validate → records → … → cli.
"""

# Shared leaves: data types, declarations and helpers every stage may use. A leaf imports only earlier leaves.
LEAVES = ("diagnostics", "model", "schema", "cache", "templating", "extensions", "passthrough", "processes")

# The pipeline, then the tools built on it, then the command line.
STAGES = (
    "load",  # files → documents with source positions
    "safety",  # document bodies → the HTML the engine makes of them, checked against the allowlist
    "validate",  # documents → diagnostics (JSON Schema and rules)
    "records",  # valid documents → typed records
    "link",  # records → cross-reference index
    "filters",  # records → filter values of the overview pages
    "data",  # records → open data, feed, JSON-LD
    "districtmap",  # districts + case counts → schematic map of Saxony
    "cards",  # method records → card layout and PDFs
    "fit",  # documents + card layout → print-fit diagnostics
    "planner",  # records → the workshop planner's data (and the offline bundle's card script)
    "forms",  # schema + vocabularies + entries → the contribution forms' fields
    "render",  # records + index → staged pages
    "new",  # schema → new entry (template or questions)
    "guide",  # schema + vocabularies → contributor guide
    "csp",  # built pages → pages carrying their Content-Security-Policy
    "build",  # staged tree → site/ (engine run, atomic swap)
    "pipeline",  # the stages wired together
    "issue_forms",  # schema → GitHub issue forms; an issue's body → the entry file
    "serve",  # live preview over the pipeline
    "cli",  # argument parsing and exit codes
    "__main__",
)
