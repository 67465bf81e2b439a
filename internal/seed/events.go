package seed

import (
	"container/heap"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
)

// The audit trail is written in the order things happened, as the application would
// have written it: a case's events wait in a queue by time and leave it once no
// complaint still to be generated can have an earlier one (every later complaint
// arrives after the one just made, and all its events follow its arrival). Their ids,
// and so the order the sealer chains them in, follow time.

type pendingEvent struct {
	order int64 // creation order: events of one moment keep it
	ev    store.SeedAudit
}

type eventQueue struct {
	items []pendingEvent
	n     int64
}

func (q *eventQueue) Len() int { return len(q.items) }
func (q *eventQueue) Less(i, j int) bool {
	a, b := &q.items[i], &q.items[j]
	if !a.ev.OccurredAt.Equal(b.ev.OccurredAt) {
		return a.ev.OccurredAt.Before(b.ev.OccurredAt)
	}
	return a.order < b.order
}
func (q *eventQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *eventQueue) Push(x any)    { q.items = append(q.items, x.(pendingEvent)) }
func (q *eventQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

func (q *eventQueue) add(ev store.SeedAudit) {
	q.n++
	heap.Push(q, pendingEvent{order: q.n, ev: ev})
}

// popUntil moves every event up to t into the batch, numbering them.
func (q *eventQueue) popUntil(t time.Time, g *generator, b *store.SeedRows) {
	for q.Len() > 0 && !q.items[0].ev.OccurredAt.After(t) {
		ev := heap.Pop(q).(pendingEvent).ev
		ev.ID = g.nextID("audit_events")
		ev.RequestID = Marker + strconv.FormatInt(ev.ID, 36)
		if g.chain != nil {
			g.seal(&ev, b)
		}
		b.Audit = append(b.Audit, ev)
	}
}

// seal gives ev its place in the chain, as the sealer would, and signs a checkpoint
// every CheckpointEvery events.
func (g *generator) seal(ev *store.SeedAudit, b *store.SeedRows) {
	r := redress.AuditRecord{ID: ev.ID, OccurredAt: ev.OccurredAt, Actor: []byte(ev.Actor), ActorRole: []byte(ev.ActorRole),
		Action: []byte(ev.Action), ComplaintID: optional(ev.ComplaintID), AgencyID: optional(ev.AgencyID),
		AgreementID: optional(ev.AgreementID), RequestID: []byte(ev.RequestID), Details: []byte(ev.Details)}
	seq, hash := g.chain.Seal(&r)
	ev.Seq, ev.Hash = &seq, hash
	g.res.Sealed++
	if seq-g.signed >= g.d.CheckpointEvery {
		g.checkpoint(b)
	}
}

// checkpoint signs the chain's head.
func (g *generator) checkpoint(b *store.SeedRows) {
	seq, hash := g.chain.Head()
	if seq == g.signed {
		return
	}
	cp := g.d.AuditKey.Sign(seq, hash, time.Now())
	b.Checkpoints = append(b.Checkpoints, store.SeedCheckpoint{ID: g.nextID("audit_checkpoints"), Seq: cp.Seq, Hash: cp.Hash,
		SignedAt: cp.SignedAt, KeyID: cp.KeyID, PublicKey: cp.PublicKey, Signature: cp.Signature})
	g.signed = seq
}

func optional(id *int64) redress.OptionalInt {
	if id == nil {
		return redress.OptionalInt{}
	}
	return redress.OptionalInt{Int64: *id, Valid: true}
}

// audit records an event about the case, as the store writes it: its details as JSON,
// the complaint's agency and agreement filled in, the time to the microsecond. Nothing
// after the end of the period happened.
func (k *kase) audit(at time.Time, actor, role, action string, details map[string]any) {
	if at.After(k.g.now) {
		return
	}
	text := []byte("{}")
	if len(details) > 0 {
		var err error
		if text, err = json.Marshal(details); err != nil {
			panic(err) // maps of strings, numbers and slices always marshal
		}
	}
	id := k.c.ID
	k.g.events.add(store.SeedAudit{OccurredAt: at.UTC().Truncate(time.Microsecond), Actor: actor, ActorRole: role,
		Action: action, ComplaintID: &id, AgencyID: k.c.AgencyID, AgreementID: k.c.AgreementID, Details: string(text)})
}
