// Package archtest keeps docs/architecture.md true: its tests read the import graph
// from `go list` and the web package's source, and fail when a layer rule is broken.
package archtest
