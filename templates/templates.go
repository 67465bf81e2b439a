// Package templates embeds the server-rendered pages and their stylesheet. Every word a
// person reads comes from the message catalogs through .T, never from the template.
package templates

import "embed"

// FS holds layout.html (the frame every page shares), one file per page, and static/.
//
//go:embed *.html static
var FS embed.FS
