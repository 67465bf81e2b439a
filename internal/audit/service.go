package audit

import (
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"maps"
	"os"
	"sync"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
)

// Service is the audit trail as people reach it: its status, checkpoints, searches,
// histories, exports and verifications. Every look at the trail that the trail must
// remember (a search, a history, an export, a verification) is recorded here, by the
// method that reads, so no caller can read without the record. cmd/redress builds one
// and closes it at shutdown, before the sealer's last pass.
type Service struct {
	DB *store.DB
	// Box keys the tags that stand for free text searched (SearchTag); nil tags without
	// a hash.
	Box *secret.Box
	// PublicKey is the public half of the key the sealer signs checkpoints with: the
	// key verifications trust. Nil: none is configured, and they say so.
	PublicKey ed25519.PublicKey
	// Window is the sealer's CheckpointEvery: a verification fails when more events
	// than that follow the last signed checkpoint. Zero: the default.
	Window int64
	Log    *slog.Logger

	// Verifications run past the request that started them: bg ends them at Close, and
	// running counts them.
	once    sync.Once
	bg      context.Context
	stopBg  context.CancelFunc
	running sync.WaitGroup
}

// Actor is who looks at the trail, and the request they do it in.
type Actor struct {
	Subject   string
	RequestID string
}

func (a Actor) event(action string) redress.AuditEvent {
	return redress.AuditEvent{Actor: a.Subject, Action: action, RequestID: a.RequestID}
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Status reads the trail at a glance.
func (s *Service) Status(ctx context.Context) (Status, error) { return ReadStatus(ctx, s.DB) }

// Heads reads up to limit published heads after afterSeq, oldest first: the public's
// view of the trail, for outside witnesses (head.go).
func (s *Service) Heads(ctx context.Context, afterSeq int64, limit int) ([]Head, error) {
	return Heads(ctx, s.DB, afterSeq, limit)
}

// Checkpoints reads up to limit signed checkpoints after afterSeq, oldest first.
func (s *Service) Checkpoints(ctx context.Context, afterSeq int64, limit int) ([]Checkpoint, error) {
	return Checkpoints(ctx, s.DB, afterSeq, limit)
}

// Search is one search of the log.
type Search struct {
	Filter redress.AuditFilter
	// Given are the filters as given, by name, for the event. Its actor is recorded
	// from Filter.Actor (SearchActor), never as typed.
	Given map[string]any
	Page  int
}

// SearchResult is one page of a search.
type SearchResult struct {
	Entries []redress.AuditEntry
	Total   int
	// Upto holds later pages of the same search still while events are added: the
	// newest event found on page 1, unless the search named one.
	Upto int64
}

// Search records the look and then runs it: a search that cannot be recorded is not
// run. The event keeps the filters, never the events found.
func (s *Service) Search(ctx context.Context, by Actor, q Search) (SearchResult, error) {
	filters := maps.Clone(q.Given)
	if filters == nil {
		filters = map[string]any{}
	}
	delete(filters, "actor")
	if q.Filter.Actor != "" {
		filters["actor"] = s.SearchActor(q.Filter.Actor)
	}
	ev := by.event(redress.ActionAuditSearched)
	ev.Details = map[string]any{"filters": filters, "page": q.Page}
	if err := s.DB.RecordAudit(ctx, ev); err != nil {
		return SearchResult{}, err
	}
	entries, total, err := s.DB.SearchAudit(ctx, q.Filter)
	res := SearchResult{Entries: entries, Total: total, Upto: q.Filter.UptoID}
	if res.Upto == 0 && len(entries) > 0 && q.Page == 1 {
		res.Upto = entries[0].ID
	}
	return res, err
}

// History records a look at every event about complaint c, then reads them, oldest
// first. Whether by may look is the caller's to decide.
func (s *Service) History(ctx context.Context, by Actor, c redress.Complaint) ([]redress.AuditEntry, error) {
	ev := by.event(redress.ActionAuditHistoryViewed)
	ev.ComplaintID, ev.AgencyID, ev.AgreementID = c.ID, c.AgencyID, c.AgreementID
	if err := s.DB.RecordAudit(ctx, ev); err != nil {
		return nil, err
	}
	entries, _, err := s.DB.SearchAudit(ctx, redress.AuditFilter{ComplaintID: c.ID})
	return entries, err
}

// ExportFile is an export written and recorded, ready to send from its start. Close
// removes it.
type ExportFile struct {
	Summary ExportSummary
	Size    int64
	f       *os.File
}

func (e *ExportFile) Read(p []byte) (int, error) { return e.f.Read(p) }

// Close closes and removes the file.
func (e *ExportFile) Close() error {
	err := e.f.Close()
	os.Remove(e.f.Name())
	return err
}

// Export writes the export of f to a temporary file and records it (ExportedEvent).
// An export that cannot be recorded is not given, and one that fails halfway is
// never given as half a file. The caller sends the file and closes it.
func (s *Service) Export(ctx context.Context, by Actor, f ExportFilter) (*ExportFile, error) {
	tmp, err := os.CreateTemp("", "redress-export-*.jsonl")
	if err != nil {
		return nil, err
	}
	out := &ExportFile{f: tmp}
	if err := s.writeExport(ctx, by, f, out); err != nil {
		out.Close()
		return nil, err
	}
	return out, nil
}

func (s *Service) writeExport(ctx context.Context, by Actor, f ExportFilter, out *ExportFile) error {
	sum, err := Export(ctx, s.DB, out.f, f)
	if err != nil {
		return err
	}
	if err := s.DB.RecordAudit(ctx, ExportedEvent(by.Subject, "", by.RequestID, f, sum)); err != nil {
		return err
	}
	out.Summary = sum
	if out.Size, err = out.f.Seek(0, io.SeekCurrent); err != nil {
		return err
	}
	_, err = out.f.Seek(0, io.SeekStart)
	return err
}
