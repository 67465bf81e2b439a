package web

import (
	_ "embed"
	"net/http"
)

// openAPI documents the public JSON API. A test checks that every /api/v1 route in the
// router is described here, and nothing more.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPI)
}
