// Package migrations embeds the schema of each database dialect, as plain SQL run once
// each by bun's migrator, and the ICE sheets a new database starts with.
package migrations

import "embed"

// SQLite holds the migrations for the embedded SQLite default, PostgreSQL those for
// production. The two are kept in step by hand: same tables, same names.
//
//go:embed sqlite/*.sql
var SQLite embed.FS

//go:embed postgres/*.sql
var PostgreSQL embed.FS

// Seed holds ICE's published sheets (2025-06-17 participating, 2025-07-18 participating
// and pending), loaded into a new database oldest first so a first run shows real
// agencies and every sheet's values.
//
//go:embed seed/*.xlsx
var Seed embed.FS
