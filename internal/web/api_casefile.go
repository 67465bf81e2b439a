package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/redress"
)

// The staff API of the case file: the same permissions as the pages, asked in the
// complaint's unit by caseTarget; refusals are JSON in the caller's language.

type noteJSON struct {
	ID        int64     `json:"id"`
	AuthorID  int64     `json:"author_id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type messageJSON struct {
	ID         int64      `json:"id"`
	Direction  string     `json:"direction"`
	AuthorID   int64      `json:"author_id,omitempty"`
	Author     string     `json:"author,omitempty"`
	Body       string     `json:"body"`
	CreatedAt  time.Time  `json:"created_at"`
	ReadAt     *time.Time `json:"read_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

type evidenceJSON struct {
	ID          int64     `json:"id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
	Download    string    `json:"download"`
}

type textBody struct {
	Body string `json:"body"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toNoteJSON(n redress.Note) noteJSON {
	return noteJSON{ID: n.ID, AuthorID: n.AuthorID, Author: n.Author, Body: n.Body, CreatedAt: n.CreatedAt}
}

func toMessageJSON(m redress.Message) messageJSON {
	out := messageJSON{ID: m.ID, Direction: m.Direction, AuthorID: m.AuthorID, Author: m.Author, Body: m.Body,
		CreatedAt: m.CreatedAt, ReadAt: timePtr(m.ReadAt)}
	if m.Direction == redress.MessageToComplainant {
		out.AnsweredAt = timePtr(m.AnsweredAt)
	}
	return out
}

func toEvidenceJSON(e redress.EvidenceInfo) evidenceJSON {
	return evidenceJSON{ID: e.ID, FileName: e.FileName, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256,
		UploadedBy: e.UploadedBy, CreatedAt: e.CreatedAt,
		Download: "/api/v1/staff/complaints/" + strconv.FormatInt(e.ComplaintID, 10) + "/evidence/" + strconv.FormatInt(e.ID, 10)}
}

func (s *Server) handleAPICaseNotes(w http.ResponseWriter, r *http.Request) {
	apiCasePart(s, w, r, permNote, casefile.PartNotes, s.Casefile.ReadNotes, toNoteJSON, nil)
}

func (s *Server) handleAPICaseNoteAdd(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	c, _, actor, ok := s.caseTarget(w, r, permNote, "add")
	if !ok {
		return
	}
	var in textBody
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	n, err := s.Casefile.AddNote(r.Context(), fileActor(actor), c, in.Body)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toNoteJSON(n))
}

// handleAPICaseMessages lists the messages; reading them marks the complainant's
// replies read, as the case page does.
func (s *Server) handleAPICaseMessages(w http.ResponseWriter, r *http.Request) {
	apiCasePart(s, w, r, permMessage, casefile.PartMessages, s.Casefile.ReadMessages, toMessageJSON, nil)
}

func (s *Server) handleAPICaseMessageSend(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	c, sealed, actor, ok := s.caseTarget(w, r, permMessage, "send")
	if !ok {
		return
	}
	var in textBody
	if _, err := s.decodeJSON(w, r, &in); err != nil {
		s.renderError(w, r, err)
		return
	}
	m, emailed, err := s.Casefile.SendMessage(r.Context(), fileActor(actor), c, sealed, in.Body)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if emailed && s.MailQueued != nil {
		s.MailQueued()
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": toMessageJSON(m), "emailed": emailed})
}

func (s *Server) handleAPICaseEvidence(w http.ResponseWriter, r *http.Request) {
	apiCasePart(s, w, r, permEvidence, casefile.PartEvidence, s.Casefile.ReadEvidence, toEvidenceJSON,
		map[string]any{"max_files": casefile.MaxFiles, "max_file_bytes": casefile.MaxFileSize})
}

// apiCasePart answers a list of one part of a case (notes, messages, evidence): the
// caller must read that part in the case's unit, load records the read before it reads
// (a read that cannot be recorded is not answered), and each item goes out as conv
// makes it, under the part's name beside extra.
func apiCasePart[T, J any](s *Server, w http.ResponseWriter, r *http.Request, perm, part string,
	load func(context.Context, casefile.Actor, redress.Complaint) ([]T, error), conv func(T) J, extra map[string]any) {
	noStore(w)
	c, _, actor, ok := s.caseTarget(w, r, perm, "read")
	if !ok {
		return
	}
	list, err := load(r.Context(), fileActor(actor), c)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	out := make([]J, len(list))
	for i, item := range list {
		out[i] = conv(item)
	}
	body := map[string]any{part: out}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, http.StatusOK, body)
}

// handleAPICaseEvidenceAdd takes one file as multipart/form-data, in the field "file".
func (s *Server) handleAPICaseEvidenceAdd(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	c, _, actor, ok := s.caseTarget(w, r, permEvidence, "add")
	if !ok {
		return
	}
	up, err := s.takeUpload(w, r, nil)
	defer up.close()
	if err != nil && !isFileError(err) {
		s.renderError(w, r, err)
		return
	}
	var e redress.EvidenceInfo
	if err == nil {
		e, err = s.Casefile.AddEvidence(r.Context(), fileActor(actor), c, up.name, up.data)
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toEvidenceJSON(e))
}
