"""The LSP face (pygls 2): a thin adapter that turns requests into calls on the analysis core
and the core's answers into protocol values, with open documents as immutable snapshots,
diagnostics pushed or pulled from worker threads, and positions converted only at this edge.
The module map and the threads are described in docs/ARCHITECTURE.md ("Code map")."""
