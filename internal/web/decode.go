package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/redress"
)

// decodeJSON reads a JSON body into v, refusing in turn: a wrong content type (415), a
// body over the limit (413), bytes that are not UTF-8 or not JSON (400), and fields that
// are unknown or of the wrong type (422, naming the field). Unknown fields are refused so
// a misspelt field is not silently dropped from someone's complaint.
//
// It returns the body it read, so a caller can still find the language to answer in.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	if !isJSON(r) {
		return nil, errContentType
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	return body, decodeBody(body, err, v)
}

func decodeBody(body []byte, err error, v any) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge, key: "error.too_large",
			data: map[string]any{"Limit": mbe.Limit}}
	} else if err != nil {
		return &apiError{status: http.StatusBadRequest, key: "error.bad_json",
			data: map[string]any{"Detail": "the body could not be read"}}
	}
	if !utf8.Valid(body) {
		return badJSON("it is not valid UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return badJSON("there is more after the JSON value")
		}
		return nil
	case errors.Is(err, io.EOF):
		return badJSON("the body is empty")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return badJSON("the JSON is not well formed")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return badJSON("the body must be a JSON object")
		}
		return fieldErr(field, "wrong_type")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldErr(field, "unknown_field")
	default:
		// Errors from a field's own UnmarshalText (a date, say) land here.
		return badJSON("a value could not be read")
	}
}

func badJSON(detail string) error {
	return &apiError{status: http.StatusBadRequest, key: "error.bad_json", data: map[string]any{"Detail": detail}}
}

func fieldErr(field, rule string) error {
	var fe redress.FieldErrors
	fe.Add(field, rule)
	return fe.Err()
}
