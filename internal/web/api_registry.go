package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/redress-oversight/redress/internal/redress"
)

const maxListLimit = 1000

// registryQuery reads the filters the registry lists share, refusing bad ones with a
// field-level 422 so a typo in a filter is not read as "no filter".
func registryQuery(r *http.Request) (state string, limit int, fe redress.FieldErrors) {
	q := r.URL.Query()
	if v := strings.TrimSpace(q.Get("state")); v != "" {
		code, ok := redress.StateCode(v)
		if !ok {
			fe.Add("state", "state")
		}
		state = code
	}
	limit = 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			fe.Add("limit", "one_of", "1…"+strconv.Itoa(maxListLimit))
		}
		limit = n
	}
	return state, limit, fe
}

func (s *Server) handleAgencyList(w http.ResponseWriter, r *http.Request) {
	state, limit, fe := registryQuery(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 200 {
		fe.Add("q", "too_long", 200)
	}
	if err := fe.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	agencies, err := s.DB.ListAgencies(r.Context(), state, q, limit)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if agencies == nil {
		agencies = []redress.Agency{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"agencies": agencies})
}

func (s *Server) handleAgreementList(w http.ResponseWriter, r *http.Request) {
	state, limit, fe := registryQuery(r)
	f := redress.AgreementFilter{State: state, Limit: limit, Status: redress.AgreementStatus(r.URL.Query().Get("status"))}
	if v := r.URL.Query().Get("model"); v != "" {
		// ParseModel also knows a model by its full name; Validate refuses what it does not.
		if m, ok := redress.ParseModel(v); ok {
			f.Model = m
		} else {
			f.Model = redress.Model(v)
		}
	}
	fe = append(fe, redress.FieldsOf(f.Validate())...)
	if err := fe.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	agreements, err := s.DB.ListAgreements(r.Context(), f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if agreements == nil {
		agreements = []redress.Agreement{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreements": agreements})
}

// handleSheetList lists ICE's sheets the registry imported, oldest first.
func (s *Server) handleSheetList(w http.ResponseWriter, r *http.Request) {
	sheets, err := s.DB.SheetRecords(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sheets": nonNilSlice(sheets)})
}

// handleAgreementHistory shows one agreement with what each sheet said of it and what
// changed between the participating sheets.
func (s *Server) handleAgreementHistory(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		s.renderError(w, r, errNotFound)
		return
	}
	h, err := s.DB.AgreementHistory(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreement": h.Agreement, "history": h.Listings,
		"changes": nonNilSlice(h.Changes())})
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
