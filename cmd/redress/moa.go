package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/registry"
)

const moaImportSynopsis = `moa import [--as-of YYYY-MM-DD] [flags] FILE.xlsx [FILE.xlsx...]

Imports ICE's 287(g) participating-agencies and pending-agencies sheets as published
(https://www.ice.gov/identify-and-arrest/287g). Each sheet's date comes from ICE's file
name (participatingAgencies07182025pm.xlsx) unless --as-of gives it. Importing a file
twice changes nothing; an older sheet never overrides a newer one; agreements a newer
sheet no longer lists are kept, marked "no longer listed".`

// moaCommand runs "redress moa SUBCOMMAND".
func (c *cli) moaCommand(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "import" {
		return c.moaImport(ctx, args[1:])
	}
	fmt.Fprintf(c.stderr, "Usage: redress %s\n", moaImportSynopsis)
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return flag.ErrHelp
	}
	fmt.Fprintf(c.stderr, "\nredress moa: unknown subcommand %q\n", args[0])
	return errUsage
}

func (c *cli) moaImport(ctx context.Context, args []string) error {
	fs := c.flagSet("moa import", moaImportSynopsis)
	asOfFlag := fs.String("as-of", "", "the day ICE published the sheets (YYYY-MM-DD), when their file names do not say")
	cfg := c.dbFlags(fs)
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprintln(c.stderr, "redress moa import: name at least one .xlsx file")
		fs.Usage()
		return errUsage
	}
	var asOf time.Time
	if *asOfFlag != "" {
		d, err := redress.ParseDate(*asOfFlag)
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		asOf = d.Time()
	}
	// Read every file first: a wrong file should not even create a database.
	sheets, err := registry.ReadFiles(files, asOf)
	if err != nil {
		return userError(err)
	}
	db, err := c.openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	results, err := registry.ApplySheets(ctx, db, sheets, c.actor(), newRequestID())
	for _, r := range results {
		c.printImport(r)
	}
	return userError(err)
}

// parseInterspersed parses flags wherever they stand, so "moa import FILE --as-of DAY"
// works as well as flags first; the flag package alone stops at the first file name.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return files, nil
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printImport writes one summary line per sheet, then each warning with its row, so the
// operator can check the cells against ICE's file.
func (c *cli) printImport(r registry.Result) {
	s := r.Summary
	fmt.Fprintf(c.stdout, "%s (%s, as of %s): %d rows: %d added, %d updated, %d unchanged, %d no longer listed, %d warnings",
		s.FileName, s.Kind, s.AsOf, s.Rows, s.Added, s.Updated, s.Unchanged, s.NoLongerListed, s.Warnings)
	if s.AgenciesUpdated > 0 {
		fmt.Fprintf(c.stdout, "; %d agencies updated", s.AgenciesUpdated)
	}
	if s.AlreadyImported {
		fmt.Fprint(c.stdout, " (already imported)")
	}
	fmt.Fprintln(c.stdout)
	for _, w := range r.Warnings {
		fmt.Fprintf(c.stdout, "  row %d %s %q: %s\n", w.Row, w.Column, w.Raw, w.Message)
	}
}

// actor names who ran the import in the audit trail: the operating-system user, since
// the command line has no login.
func (c *cli) actor() string {
	if u := c.getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// newRequestID ties the audit events of one run together.
func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "cli-" + hex.EncodeToString(b)
}

// userError shows a domain error by its message alone (it already names the file);
// anything else passes through with its detail.
func userError(err error) error {
	var e *redress.Error
	if errors.As(err, &e) {
		return errors.New(e.Message)
	}
	return err
}
