package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// RetryWindow is how long a filing's key answers its retries. The first answer, receipt
// code included, is kept sealed that long and then deleted: long enough for a client
// that lost the answer to ask again, short enough that the code is not kept in a form
// the server can read for longer than that.
const RetryWindow = 24 * time.Hour

// Retry is a key that names one filing, chosen by the client (the API's
// Idempotency-Key) or handed out with the form (its one-time nonce). A retry under the
// same key and with the same complaint gets the first answer again and files nothing.
type Retry struct {
	// Scope keeps keys of different origins apart: the same key in two scopes names
	// two filings.
	Scope string
	Key   string
}

// ErrRetryDiffers refuses a filing under a key that already named a different
// complaint. FileComplaint returns it with the tracking number (never the receipt code)
// of the complaint the key named, for a page that says it was received.
var ErrRetryDiffers = &redress.Error{Code: redress.EINVALID, Key: "error.idempotency_key_reused",
	Message: "This key was already used for a different complaint."}

// retryKey is a Retry as stored: hashes of the key and of the complaint.
type retryKey struct {
	keyHash, requestHash []byte
}

func (r *Retry) hash(in redress.ComplaintInput) *retryKey {
	k := sha256.Sum256([]byte(r.Scope + "\x00" + r.Key))
	// The complaint as sent, before any normalising, so the hash says "the same request".
	body, _ := json.Marshal(in)
	if slices.Contains(redress.StaffChannels, in.Channel) {
		// Staff name the channel, which the complaint's JSON leaves out; the public's
		// is fixed by the door they came in, so their hashes stay as they were.
		body = append(body, in.Channel...)
	}
	b := sha256.Sum256(body)
	return &retryKey{keyHash: k[:], requestHash: b[:]}
}

// retryAnswer is what a retry is answered with, sealed in the store.
type retryAnswer struct {
	TrackingNumber string             `json:"tracking_number"`
	ReceiptCode    string             `json:"receipt_code"`
	Agreement      *redress.Agreement `json:"agreement"`
	Emailed        bool               `json:"emailed"`
}

func retryContext(k *retryKey) string { return "idempotency:" + hex.EncodeToString(k.keyHash) }

func (s *Service) retryRecord(k *retryKey, a retryAnswer) *store.IdempotencyKey {
	plain, _ := json.Marshal(a)
	return &store.IdempotencyKey{KeyHash: k.keyHash, RequestHash: k.requestHash,
		AnswerSealed: s.Box.Seal(plain, retryContext(k)), TTL: RetryWindow}
}

// replay answers a retry from the filing its key named: ENOTFOUND when it named none.
func (s *Service) replay(ctx context.Context, k *retryKey) (Filed, error) {
	prev, err := s.DB.IdempotentFiling(ctx, k.keyHash)
	if err != nil {
		return Filed{}, err
	}
	plain, err := s.Box.Open(prev.AnswerSealed, retryContext(k))
	if err != nil {
		return Filed{}, fmt.Errorf("open the answer of a retried filing: %w", err)
	}
	var a retryAnswer
	if err := json.Unmarshal(plain, &a); err != nil {
		return Filed{}, fmt.Errorf("read the answer of a retried filing: %w", err)
	}
	filed := Filed{Complaint: redress.Complaint{ID: prev.ComplaintID, TrackingNumber: a.TrackingNumber,
		ReceivedAt: prev.FiledAt, Status: redress.StatusReceived}, Replayed: true}
	if string(prev.RequestHash) != string(k.requestHash) {
		return filed, ErrRetryDiffers
	}
	filed.ReceiptCode, filed.Agreement, filed.Emailed = a.ReceiptCode, a.Agreement, a.Emailed
	return filed, nil
}
