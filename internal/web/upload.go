package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/redress-oversight/redress/internal/casefile"
	"github.com/redress-oversight/redress/internal/redress"
)

// upload is a multipart form carrying one file: the text fields before it, and the file.
type upload struct {
	fields url.Values
	name   string
	data   []byte
	// release gives back the upload's place among those taken at once.
	release func()
}

// close ends the upload; call it once the file is stored or refused.
func (u *upload) close() {
	if u.release != nil {
		u.release()
		u.release = nil
	}
}

// Limits of an upload's other fields.
const (
	maxUploadField  = 16 << 10
	maxUploadFields = 10
)

// uploadsBusyWait is the Retry-After of an upload refused because MaxUploads are being
// taken: long enough for a few 10 MiB files to arrive over a phone.
const uploadsBusyWait = 30 * time.Second

// errAnswered means the request has been answered already (by a pass function).
var errAnswered = errors.New("web: answered")

// takeUpload reads a multipart form of a few text fields and one file, in the field
// "file", part by part, never buffering the file in memory while it arrives.
//
// pass is asked when the file part comes, or when the form ends without one, with the
// fields read so far. The status page proves the receipt there (its form puts the
// tracking number and receipt code before the file), so a client that cannot send a
// file gets its answer before a byte of the file is read. pass returns false once it
// has answered the request itself; takeUpload then returns errAnswered. Nil passes all.
//
// Then the upload takes one of MaxUploads places (none free: 503 with Retry-After), and
// the file is streamed to a temporary file and refused (redress.ErrEvidenceTooLarge) as
// soon as it is known to be too large. Only a file that arrived whole is read into
// memory, to be stored. The fields read until an error are returned with it, so a page
// can be drawn again. Always call the upload's close.
func (s *Server) takeUpload(w http.ResponseWriter, r *http.Request, pass func(url.Values) bool) (*upload, error) {
	up := &upload{fields: url.Values{}}
	mr, err := r.MultipartReader()
	if err != nil {
		return up, &apiError{status: http.StatusBadRequest, key: "error.upload_form"}
	}
	admit := func() error {
		if pass != nil && !pass(up.fields) {
			return errAnswered
		}
		select {
		case s.uploads <- struct{}{}:
			up.release = func() { <-s.uploads }
			return nil
		default:
			s.metrics.UploadsBusy.Add(1)
			return &apiError{status: http.StatusServiceUnavailable, key: "error.uploads_busy", retryAfter: uploadsBusyWait}
		}
	}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return up, uploadReadError(err)
		}
		if part.FormName() != "file" {
			b, err := io.ReadAll(io.LimitReader(part, maxUploadField+1))
			if err != nil {
				return up, uploadReadError(err)
			}
			if len(b) > maxUploadField || n > maxUploadFields {
				return up, &apiError{status: http.StatusBadRequest, key: "error.bad_form"}
			}
			up.fields.Add(part.FormName(), string(b))
			continue
		}
		if up.release != nil {
			return up, &apiError{status: http.StatusBadRequest, key: "error.upload_one"}
		}
		if err := admit(); err != nil {
			return up, err
		}
		up.name = part.FileName()
		if up.data, err = spool(part); err != nil {
			return up, err
		}
	}
	if up.release == nil {
		if err := admit(); err != nil {
			return up, err
		}
	}
	if len(up.data) == 0 {
		return up, redress.ErrEvidenceEmpty
	}
	return up, nil
}

// spool takes a file part through a temporary file, so a file that arrives slowly, or
// is refused as too large, never sits in memory; the temporary file is removed before
// spool returns. It returns the file's bytes once it has arrived whole.
func spool(part io.Reader) ([]byte, error) {
	f, err := os.CreateTemp("", "redress-upload-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(part, casefile.MaxFileSize+1))
	if err != nil {
		return nil, uploadReadError(err)
	}
	if n > casefile.MaxFileSize {
		return nil, redress.ErrEvidenceTooLarge
	}
	data := make([]byte, n)
	if _, err := f.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return data, nil
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return redress.ErrEvidenceTooLarge
	}
	return &apiError{status: http.StatusBadRequest, key: "error.upload_form"}
}
