package casefile

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/i18n"
	"github.com/redress-oversight/redress/internal/intake"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/secret"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/store/storetest"
)

// zipOf builds a zip holding the named (empty) members.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetect(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
	ole := append(append([]byte{}, oleHeader...), make([]byte, 64)...)
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 16)...)
	for _, c := range []struct {
		name, file string
		data       []byte
		want       string // content type, "" for refused
	}{
		{"PDF", "a.pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"), "application/pdf"},
		{"JPEG", "a.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg"},
		{"PNG", "a.png", png, "image/png"},
		{"GIF", "a.gif", []byte("GIF89a\x01\x00\x01\x00"), "image/gif"},
		{"WebP", "a.webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"HEIC", "IMG_0001.HEIC", heic, "image/heic"},
		{"Text", "notes.txt", []byte("El 4 de julio me detuvieron.\nNo me dieron intérprete."), "text/plain; charset=utf-8"},
		{"DOCX", "a.docx", zipOf(t, "[Content_Types].xml", "word/document.xml"), kindDOCX.contentType},
		{"XLSX", "a.xlsx", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"), kindXLSX.contentType},
		{"DOC", "carta.doc", ole, "application/msword"},
		{"XLS", "tabla.XLS", ole, "application/vnd.ms-excel"},

		{"ErrEXERenamedPDF", "receipt.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 64)...), ""},
		{"ErrELF", "a.txt", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), ""},
		{"ErrHTML", "a.txt", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), ""},
		{"ErrSVG", "a.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), ""},
		{"ErrZip", "a.docx", zipOf(t, "readme.txt"), ""},
		{"ErrMacros", "a.docx", zipOf(t, "[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), ""},
		{"ErrOLENotOffice", "setup.msi", ole, ""},
		{"ErrTextWithBinaryLater", "a.txt", append([]byte(strings.Repeat("a", 600)), 0, 1, 2), ""},
		{"ErrEmpty", "a.txt", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, ok := detect(c.file, c.data)
			if ok != (c.want != "") || k.contentType != c.want {
				t.Fatalf("detect = %q %v, want %q", k.contentType, ok, c.want)
			}
		})
	}
}

func TestCleanFileName(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind fileKind
		want string
	}{
		{"foto.jpg", kindJPEG, "foto.jpg"},
		{"C:\\Users\\ana\\Desktop\\foto.JPG", kindJPEG, "foto.JPG"},
		{"../../etc/passwd", kindText, "passwd.txt"},
		{"receipt.exe", kindPDF, "receipt.exe.pdf"},
		{"gpj\u202e.exe", kindJPEG, "gpj.exe.jpg"},
		{"a\x00b\nc.pdf", kindPDF, "abc.pdf"},
		{`he said "no".txt`, kindText, "he said _no_.txt"},
		{"", kindPNG, "evidence.png"},
		{"...", kindPNG, "evidence.png"},
		{"señal de tráfico.png", kindPNG, "señal de tráfico.png"},
		{strings.Repeat("ñ", 200) + ".pdf", kindPDF, strings.Repeat("ñ", (MaxFileName-4)/2) + ".pdf"},
	} {
		got := cleanFileName(c.in, c.kind)
		if got != c.want || len(got) > MaxFileName || !utf8.ValidString(got) {
			t.Errorf("cleanFileName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// newService files one complaint through intake (with an email address unless
// anonymous) and returns the service, the complaint and its receipt code.
func newService(t *testing.T, db *store.DB, email string) (*Service, redress.Complaint, []byte, string) {
	t.Helper()
	ctx := context.Background()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	in := intake.Service{DB: db, Box: box, Languages: cat.Languages()}
	filed, err := in.FileComplaint(ctx, redress.ComplaintInput{
		Language: "es", IncidentDate: "2025-07-20", State: "TX", Narrative: "Me detuvieron dos días de más.",
		Categories: []redress.Category{"held_past_release"}, Filer: "self",
		Contact: redress.Contact{Name: "Ana", Email: email},
	}, intake.Request{Actor: redress.ActorPublic, Today: redress.Date{Year: 2025, Month: 8, Day: 1}})
	if err != nil {
		t.Fatal(err)
	}
	c, sealed, err := db.Complaint(ctx, filed.Complaint.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &Service{DB: db, Box: box, Catalog: cat, PublicURL: "https://redress.example/"}, c, sealed, filed.ReceiptCode
}

func TestMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, sealed, receipt := newService(t, db, "ana@example.org")
		staff := Actor{UserID: 0, Subject: "user:1", RequestID: "r1"}
		const secretText = "¿Puede enviarnos la hoja de fianza?"

		t.Run("ErrRequired", func(t *testing.T) {
			_, _, err := s.SendMessage(ctx, staff, c, sealed, "  \r\n ")
			var de *redress.Error
			if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Rule != "required" {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("ErrTooLong", func(t *testing.T) {
			_, _, err := s.SendMessage(ctx, staff, c, sealed, strings.Repeat("a", MaxMessage+1))
			if redress.ErrorCode(err) != redress.EINVALID {
				t.Fatalf("got %v", err)
			}
		})

		t.Run("NoticeInTheComplaintsLanguage", func(t *testing.T) {
			m, emailed, err := s.SendMessage(ctx, staff, c, sealed, secretText)
			if err != nil || !emailed || m.Direction != redress.MessageToComplainant {
				t.Fatalf("send: %+v %v %v", m, emailed, err)
			}
			var rows []struct {
				Kind, Language, Subject, Body string
			}
			if err := db.Bun().NewRaw("SELECT kind, language, subject, body FROM outbox WHERE complaint_id = ? AND kind = ?", c.ID, MailMessage).
				Scan(ctx, &rows); err != nil || len(rows) != 1 {
				t.Fatalf("outbox %+v %v", rows, err)
			}
			r := rows[0]
			if r.Language != "es" || r.Subject != s.Catalog.T("es", "email.message.subject", nil) ||
				!strings.Contains(r.Body, "https://redress.example/status?lang=es\n") || !strings.Contains(r.Body, c.TrackingNumber) {
				t.Fatalf("notice %+v", r)
			}
			if strings.Contains(r.Body, "fianza") || strings.Contains(r.Subject, "fianza") || strings.Contains(r.Body, receipt) {
				t.Fatalf("the notice gives away the message or the receipt: %q", r.Body)
			}
			evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionMessageSent})
			if len(evs) != 1 || evs[0].Details["emailed"] != true || evs[0].Details["length"] != float64(len([]rune(secretText))) {
				t.Fatalf("audit %+v", evs)
			}
			for k, v := range evs[0].Details {
				if s, ok := v.(string); ok && strings.Contains(s, "fianza") {
					t.Fatalf("audit detail %s holds the message", k)
				}
			}
		})

		t.Run("HolderReadsAndReplies", func(t *testing.T) {
			door := intake.Service{DB: db, Box: s.Box}
			if _, err := door.CheckReceipt(ctx, c.TrackingNumber, "AAAAA-BBBBB-CCCCC-DDDDD", "r2"); !errors.Is(err, intake.ErrNoMatch) {
				t.Fatalf("wrong receipt: %v", err)
			}
			if _, err := door.CheckReceipt(ctx, "RX-0000-0000", receipt, "r2"); !errors.Is(err, intake.ErrNoMatch) {
				t.Fatalf("wrong tracking number: %v", err)
			}
			h, err := door.CheckReceipt(ctx, strings.ToLower(c.TrackingNumber), strings.ToLower(receipt), "r2")
			if err != nil || h.ComplaintID != c.ID {
				t.Fatalf("receipt: %+v %v", h, err)
			}
			msgs, err := s.HolderMessages(ctx, h)
			if err != nil || len(msgs) != 1 || msgs[0].Body != secretText || !msgs[0].ReadAt.IsZero() {
				t.Fatalf("messages %+v %v", msgs, err)
			}
			if _, _, err := s.Reply(ctx, h, "Sí, la envío hoy."); err != nil {
				t.Fatal(err)
			}
			msgs, _ = s.Messages(ctx, c.ID)
			if len(msgs) != 2 || msgs[0].ReadAt.IsZero() || msgs[0].AnsweredAt.IsZero() || msgs[1].Direction != redress.MessageFromComplainant {
				t.Fatalf("after reply %+v", msgs)
			}
			evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionMessageReplied})
			if len(evs) != 1 || evs[0].Actor != redress.ActorPublic || evs[0].ActorRole != redress.SubjectReceiptHolder {
				t.Fatalf("reply audit %+v", evs)
			}
			// Staff reading marks the reply read, and shows it as it was: new.
			staffView, _ := s.StaffMessages(ctx, c.ID)
			again, _ := s.StaffMessages(ctx, c.ID)
			if !staffView[1].ReadAt.IsZero() || again[1].ReadAt.IsZero() {
				t.Fatalf("staff reading: %+v then %+v", staffView[1], again[1])
			}
		})
	})
}

func TestMessageWithoutEmail(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	s, c, sealed, _ := newService(t, db, "")
	_, emailed, err := s.SendMessage(ctx, Actor{Subject: "user:1"}, c, sealed, "Hola")
	if err != nil || emailed {
		t.Fatalf("send: %v %v", emailed, err)
	}
	if n, _ := db.CountQueuedMail(ctx); n != 0 {
		t.Fatalf("%d emails queued for a complaint without an address", n)
	}
}

func TestAddEvidence(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t))
	ctx := context.Background()
	s, c, _, _ := newService(t, db, "")
	a := Actor{Subject: "user:1"}
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"a.txt", nil, redress.ErrEvidenceEmpty},
		{"a.txt", bytes.Repeat([]byte("a"), MaxFileSize+1), redress.ErrEvidenceTooLarge},
		{"a.pdf", []byte("MZ\x90\x00"), redress.ErrEvidenceType},
	} {
		if _, err := s.AddEvidence(ctx, a, c, tc.name, tc.data); !errors.Is(err, tc.want) {
			t.Errorf("%s (%d bytes): %v, want %v", tc.name, len(tc.data), err, tc.want)
		}
	}
	e, err := s.AddEvidence(ctx, a, c, "hoja de fianza.txt", bytes.Repeat([]byte("a"), MaxFileSize))
	if err != nil || e.Size != MaxFileSize || e.UploadedBy != "user:1" || len(e.SHA256) != 64 || e.FileName != "hoja de fianza.txt" {
		t.Fatalf("at the limit: %+v %v", e, err)
	}
	evs, _ := db.ListAudit(ctx, redress.AuditFilter{ComplaintID: c.ID, Action: redress.ActionEvidenceAdded})
	if len(evs) != 1 || evs[0].Details["content_type"] != "text/plain; charset=utf-8" {
		t.Fatalf("audit %+v", evs)
	}
	for _, v := range evs[0].Details {
		if s, ok := v.(string); ok && strings.Contains(s, "fianza") {
			t.Fatal("the audit event names the file")
		}
	}
}
