package casefile

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// Limits of evidence. Files live in the database (so every instance serves them), which
// is what keeps them small and few.
const (
	MaxFileSize  = 10 << 20 // bytes per file
	MaxFiles     = 20       // files per complaint
	MaxFileName  = 150      // bytes of a stored file name
	maxZipMember = 4096     // entries an office document may have before we stop looking
)

// fileKind is a type of file we accept: its content type and the name endings that fit
// it, the first being the one we add when a name has none of them.
type fileKind struct {
	contentType string
	exts        []string
}

var (
	kindPDF  = fileKind{"application/pdf", []string{".pdf"}}
	kindJPEG = fileKind{"image/jpeg", []string{".jpg", ".jpeg", ".jfif"}}
	kindPNG  = fileKind{"image/png", []string{".png"}}
	kindGIF  = fileKind{"image/gif", []string{".gif"}}
	kindWebP = fileKind{"image/webp", []string{".webp"}}
	kindHEIC = fileKind{"image/heic", []string{".heic", ".heif"}}
	kindHEIF = fileKind{"image/heif", []string{".heif", ".heic"}}
	kindText = fileKind{"text/plain; charset=utf-8", []string{".txt", ".text", ".log", ".csv", ".md"}}
	kindDOCX = fileKind{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}}
	kindXLSX = fileKind{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}}
	kindPPTX = fileKind{"application/vnd.openxmlformats-officedocument.presentationml.presentation", []string{".pptx"}}
	kindDOC  = fileKind{"application/msword", []string{".doc"}}
	kindXLS  = fileKind{"application/vnd.ms-excel", []string{".xls"}}
	kindPPT  = fileKind{"application/vnd.ms-powerpoint", []string{".ppt"}}
)

// oleHeader starts every legacy Office file (and other compound files: installers too).
var oleHeader = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// detect names the type of a file from its content: images (JPEG, PNG, GIF, WebP,
// HEIC/HEIF), PDF, plain text and Office documents (DOCX, XLSX, PPTX without macros;
// legacy DOC, XLS, PPT). The name only tells legacy Office formats apart, since they
// share one container. Anything else, HTML and SVG included, is refused.
func detect(name string, data []byte) (fileKind, bool) {
	if len(data) == 0 {
		return fileKind{}, false
	}
	if bytes.HasPrefix(data, oleHeader) {
		// A compound file can also be an installer (.msi): only accept the Office endings.
		switch strings.ToLower(path.Ext(name)) {
		case ".doc":
			return kindDOC, true
		case ".xls":
			return kindXLS, true
		case ".ppt":
			return kindPPT, true
		}
		return fileKind{}, false
	}
	if k, ok := detectHEIF(data); ok {
		return k, true
	}
	ct := http.DetectContentType(data)
	switch mt, _, _ := strings.Cut(ct, ";"); mt {
	case "application/pdf":
		return kindPDF, true
	case "image/jpeg":
		return kindJPEG, true
	case "image/png":
		return kindPNG, true
	case "image/gif":
		return kindGIF, true
	case "image/webp":
		return kindWebP, true
	case "text/plain":
		// DetectContentType looks at 512 bytes; the whole file must be text.
		if strings.HasSuffix(ct, "charset=utf-8") && utf8.Valid(data) && !bytes.ContainsRune(data, 0) {
			return kindText, true
		}
		if strings.HasSuffix(ct, "charset=utf-16be") || strings.HasSuffix(ct, "charset=utf-16le") {
			return fileKind{ct, kindText.exts}, true
		}
	case "application/zip":
		return detectOOXML(data)
	}
	return fileKind{}, false
}

// detectHEIF recognises the HEIF family by its ISO BMFF "ftyp" box and major brand:
// iPhone photos (HEIC) are the common case.
func detectHEIF(data []byte) (fileKind, bool) {
	if len(data) < 12 || string(data[4:8]) != "ftyp" {
		return fileKind{}, false
	}
	switch string(data[8:12]) {
	case "heic", "heix", "hevc", "hevx", "heim", "heis":
		return kindHEIC, true
	case "mif1", "msf1":
		return kindHEIF, true
	}
	return fileKind{}, false
}

// detectOOXML accepts a zip that is an Office Open XML document: [Content_Types].xml
// and the main part of a document, workbook or presentation. A document with macros
// (a vbaProject.bin part) is refused.
func detectOOXML(data []byte) (fileKind, bool) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) > maxZipMember {
		return fileKind{}, false
	}
	var types bool
	var kind fileKind
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case strings.HasSuffix(name, "vbaproject.bin"):
			return fileKind{}, false
		case name == "[content_types].xml":
			types = true
		case name == "word/document.xml":
			kind = kindDOCX
		case name == "xl/workbook.xml":
			kind = kindXLSX
		case name == "ppt/presentation.xml":
			kind = kindPPTX
		}
	}
	return kind, types && kind.contentType != ""
}

// cleanFileName makes an uploaded file's name safe to store and to offer back in a
// download: the last path element, without control or direction-changing characters
// (which can disguise "exe.pdf" as "fdp.exe"), without characters file systems refuse,
// at most MaxFileName bytes, and ending as its type does.
func cleanFileName(name string, k fileKind) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\u200b', r == '\ufeff':
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	// Keep what the sender wrote, but never let it decide how the file opens.
	if !slices.Contains(k.exts, strings.ToLower(path.Ext(name))) {
		name += k.exts[0]
	}
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for len(base)+len(ext) > MaxFileName {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	if base = strings.TrimRight(base, " ."); base == "" {
		base = "evidence"
	}
	return base + ext
}

// AddEvidence stores a file for the complaint after checking its size, its type (from
// its content) and the complaint's count of files. The audit event records the type,
// size and hash, never the name.
func (s *Service) AddEvidence(ctx context.Context, a Actor, c redress.Complaint, name string, data []byte) (redress.EvidenceInfo, error) {
	return s.addEvidence(ctx, a, c, name, data, nil)
}

// addEvidence is AddEvidence with the mail that goes out with the file.
func (s *Service) addEvidence(ctx context.Context, a Actor, c redress.Complaint, name string, data []byte, notice []redress.OutboundMail) (redress.EvidenceInfo, error) {
	switch {
	case len(data) == 0:
		return redress.EvidenceInfo{}, redress.ErrEvidenceEmpty
	case len(data) > MaxFileSize:
		return redress.EvidenceInfo{}, redress.ErrEvidenceTooLarge
	}
	k, ok := detect(name, data)
	if !ok {
		return redress.EvidenceInfo{}, redress.ErrEvidenceType
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	return s.DB.AddEvidence(ctx, store.NewEvidence{ComplaintID: c.ID, UploadedBy: a.uploader(),
		FileName: cleanFileName(name, k), ContentType: k.contentType, SHA256: hash, Data: data, Limit: MaxFiles, Mail: notice,
		Audit: a.event(redress.ActionEvidenceAdded, c, map[string]any{"size": len(data), "content_type": k.contentType,
			"sha256": hash})})
}

// Download returns a file of the complaint and records the download in the same
// transaction: a download that cannot be recorded is not served.
func (s *Service) Download(ctx context.Context, a Actor, c redress.Complaint, evidenceID int64) (redress.EvidenceFile, error) {
	return s.DB.OpenEvidence(ctx, c.ID, evidenceID, a.event(redress.ActionEvidenceDownloaded, c, nil))
}
