package seed

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redress-oversight/redress/internal/deadline"
	"github.com/redress-oversight/redress/internal/redress"
	"github.com/redress-oversight/redress/internal/store"
	"github.com/redress-oversight/redress/internal/workflow"
)

// The later steps of a case: referrals, questions to the complainant, findings, the
// closing and the results reported to ICE.

// referral records a referral to recipient as casework.Refer does (a record: the
// generator sends no letters), with its event.
func (k *kase) referral(at time.Time, recipient string) *store.SeedReferral {
	consented := slices.Contains(strings.Fields(k.c.Consent), recipient)
	r := store.SeedReferral{ID: k.g.nextID("referrals"), ComplaintID: k.c.ID, Recipient: recipient,
		IdentityShared: consented && !k.c.Anonymous && k.g.rng.Float64() < 0.6, Method: pick(k.g.rng, []string{"email", "portal", "mail"}),
		Shared: "Complaint summary and allegations.", SentAt: at, DueAt: at.AddDate(0, 0, 30)}
	k.rows.Referrals = append(k.rows.Referrals, r)
	k.audit(at, subject(k.investigator), "", redress.ActionReferred, map[string]any{"letter": false, "referral": r.ID,
		"recipient": r.Recipient, "identity_shared": r.IdentityShared, "method": r.Method, "due": r.DueAt.Format(time.RFC3339)})
	return &k.rows.Referrals[len(k.rows.Referrals)-1]
}

// notifyICE refers most JEM and WSO complaints to ICE's OPR, which is how ICE is
// notified (their 48-hour clock); some late.
func (k *kase) notifyICE() {
	if k.model != redress.ModelJEM && k.model != redress.ModelWSO || k.g.rng.Float64() > 0.7 {
		return
	}
	at := laterOf(k.later(k.c.ReceivedAt, 0.1, 3.5), k.t)
	if at.After(k.g.now) {
		return
	}
	k.referral(at, "ice_opr")
	k.events = append(k.events, deadline.Event{Name: deadline.EventICENotified, At: at})
}

// referOut sends the case to another office; most answer and the review goes on, for
// the others the office took the whole case. It reports whether the review goes on.
func (k *kase) referOut(withdrawAt time.Time) bool {
	if !k.when(k.later(k.t, 2, 20), withdrawAt) {
		return false
	}
	ref := k.referral(k.t, pick(k.g.rng, []string{"agency_ia", "dhs_oig", "dhs_crcl", "state_ag"}))
	k.step(workflow.Refer, k.t.Add(time.Minute), k.investigator, "", "", nil)
	if k.g.rng.Float64() < 0.3 {
		k.closeWithout(withdrawAt, 20, 90, workflow.ReferredOut)
		return false
	}
	if !k.when(k.later(k.t, 10, 60), withdrawAt) {
		return false
	}
	ref.AnsweredAt, ref.Answer, ref.Outcome = ptr(k.t), pick(k.g.rng, referralAnswers), pick(k.g.rng, []string{"", "inquiry opened", "no action"})
	k.audit(k.t, subject(k.investigator), "", redress.ActionReferralAnswer, map[string]any{"referral": ref.ID, "outcome": ref.Outcome})
	k.step(workflow.ReferralAnswered, k.t.Add(time.Minute), k.investigator, "", "", nil)
	return true
}

// askComplainant sends a question and waits; most answer (the case goes back under
// review), the others' cases close for want of information. It reports whether the
// review goes on.
func (k *kase) askComplainant(withdrawAt time.Time) bool {
	if !k.when(k.later(k.t, 2, 20), withdrawAt) {
		return false
	}
	lang := k.c.Language
	q := store.SeedMessage{ID: k.g.nextID("messages"), ComplaintID: k.c.ID, Direction: redress.MessageToComplainant,
		AuthorID: ptr(k.investigator), Body: pick(k.g.rng, questions[lang]), CreatedAt: k.t}
	k.audit(k.t, subject(k.investigator), "", redress.ActionMessageSent, map[string]any{"message_id": q.ID,
		"length": utf8.RuneCountInString(q.Body), "emailed": k.contact.Email != ""})
	k.step(workflow.AskComplainant, k.t.Add(time.Minute), k.investigator, "", "", nil)
	defer func() { k.rows.Messages = append(k.rows.Messages, q) }()
	if k.g.rng.Float64() < 0.35 {
		k.closeWithout(withdrawAt, 30, 45, workflow.NotEnoughInformation)
		return false
	}
	at := k.t.Add(time.Duration((1 + 19*k.g.rng.Float64()) * float64(day)))
	if !k.when(at, withdrawAt) {
		return false
	}
	q.ReadAt, q.AnsweredAt = ptr(at), ptr(at.Add(3*time.Minute))
	holder := redress.ActorPublic
	k.audit(at, holder, redress.SubjectReceiptHolder, redress.ActionMessagesRead, map[string]any{"read": 1})
	k.t = at.Add(3 * time.Minute)
	reply := store.SeedMessage{ID: k.g.nextID("messages"), ComplaintID: k.c.ID, Direction: redress.MessageFromComplainant,
		Body: pick(k.g.rng, replies[lang]), CreatedAt: k.t}
	k.step(workflow.ComplainantReplied, k.t, 0, "", "", nil)
	k.audit(k.t, holder, redress.SubjectReceiptHolder, redress.ActionMessageReplied, map[string]any{"message_id": reply.ID,
		"length": utf8.RuneCountInString(reply.Body), "answered": 1})
	if at := k.later(k.t, 0, 3); !at.After(k.g.now) {
		reply.ReadAt = ptr(at)
	}
	k.rows.Messages = append(k.rows.Messages, reply)
	return true
}

// closeWithout proposes a closure without findings and a supervisor approves it.
func (k *kase) closeWithout(withdrawAt time.Time, lo, hi float64, d workflow.Disposition) {
	if !k.when(k.later(k.t, lo, hi), withdrawAt) {
		return
	}
	k.step(workflow.ProposeClosure, k.t, k.investigator, pick(k.g.rng, closureReasons[string(d)]), string(d), nil)
	if !k.when(k.later(k.t, 1, 10), withdrawAt) {
		return
	}
	k.view(k.approver)
	k.step(workflow.ApproveClose, k.t, k.approver, "", "", nil)
}

var findingWeights = []weight[workflow.Finding]{{workflow.Sustained, 15}, {workflow.NotSustained, 35},
	{workflow.Exonerated, 15}, {workflow.Unfounded, 25}, {workflow.PolicyFailure, 10}}

// findings proposes a finding per allegation, sometimes returned once for more work,
// and a supervisor approves them. It reports whether the case closed.
func (k *kase) findings(withdrawAt time.Time) bool {
	for round := 0; ; round++ {
		if !k.when(k.later(k.t, 5, 120), withdrawAt) {
			return false
		}
		proposed := map[int64]string{}
		for i := range k.als {
			k.als[i].Finding = string(weighted(k.g.rng, findingWeights))
			proposed[k.als[i].ID] = k.als[i].Finding
		}
		k.step(workflow.ProposeFindings, k.t, k.investigator, "", "", proposed)
		if !k.when(k.later(k.t, 1, 10), withdrawAt) {
			return false
		}
		k.view(k.approver)
		if round > 0 || k.g.rng.Float64() > 0.1 {
			k.step(workflow.ApproveClose, k.t, k.approver, "", "", nil)
			return true
		}
		k.step(workflow.ReturnFindings, k.t, k.approver, pick(k.g.rng, returnReasons), "", nil)
	}
}

// reportResults records, for most closed JEM cases with results, that they were
// reported to ICE.
func (k *kase) reportResults() {
	c := &k.c
	if c.Status != redress.StatusClosed || k.model != redress.ModelJEM || k.g.rng.Float64() > 0.85 {
		return
	}
	clocks := k.cfg.StartingAtResolution(k.model, workflow.Disposition(c.Disposition))
	if len(clocks) == 0 {
		return
	}
	at := k.later(k.t, 2, 40)
	if at.After(k.g.now) {
		return
	}
	met := k.cfg.MetBy(deadline.EventResultsReported)
	c.ResultsReportedOn = redress.DateOf(at.In(k.cfg.Loc())).String()
	c.ResultsReportedMethod = pick(k.g.rng, redress.ResultsMethods)
	k.events = append(k.events, deadline.Event{Name: deadline.EventResultsReported, At: at})
	k.audit(at, subject(k.approver), "", redress.ActionResultsReported, map[string]any{"reported_on": c.ResultsReportedOn,
		"method": c.ResultsReportedMethod, "clocks_met": met})
}

// finish works out the clocks from the history, as the application kept them step by
// step, records the misses its timer would have logged, and adds the case to b.
func (k *kase) finish(b *store.SeedRows) {
	c := &k.c
	res := k.cfg.StartingAtResolution(k.model, workflow.Disposition(c.Disposition))
	for _, t := range k.cfg.Replay(k.model, k.events) {
		if t.Clock.Start == deadline.EventResolved && !slices.ContainsFunc(res, func(x deadline.Clock) bool { return x.Name == t.Clock.Name }) {
			continue // this ending starts no such clock
		}
		row := store.SeedClock{ID: k.g.nextID("complaint_clocks"), ComplaintID: c.ID, Clock: t.Clock.Name,
			StartedAt: t.Started, DueAt: t.Due.UTC()}
		if !t.Met.IsZero() {
			row.MetAt = ptr(t.Met)
		}
		if t.Paused() {
			row.PausedAt = ptr(t.PausedAt)
		}
		if c.ClosedAt != nil && t.Met.IsZero() && slices.Contains(k.stopped, t.Clock.Name) {
			row.StoppedAt = c.ClosedAt
		}
		// serve's timer (every 5 minutes) logs a clock past due, unmet and running.
		logged := t.Due.Add(5 * time.Minute)
		if !logged.After(k.g.now) && (t.Met.IsZero() || t.Met.After(logged)) && (!t.Paused() || t.PausedAt.After(logged)) &&
			(row.StoppedAt == nil || row.StoppedAt.After(logged)) {
			row.MissedLogged = true
			k.audit(logged, redress.ActorSystem, "", redress.ActionDeadlineMissed, map[string]any{"clock": t.Clock.Name, "due": t.Due.UTC().Format(time.RFC3339)})
		}
		k.rows.Clocks = append(k.rows.Clocks, row)
	}
	b.Complaints = append(b.Complaints, k.c)
	b.Functions = append(b.Functions, k.rows.Functions...)
	b.Allegations = append(b.Allegations, k.als...)
	b.StatusChanges = append(b.StatusChanges, k.rows.StatusChanges...)
	b.Clocks = append(b.Clocks, k.rows.Clocks...)
	b.Messages = append(b.Messages, k.rows.Messages...)
	b.Notes = append(b.Notes, k.rows.Notes...)
	b.Referrals = append(b.Referrals, k.rows.Referrals...)
}
