package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renovabot/billing"
)

// The operator's side of the business (issue 15): what resellers pay to use
// the bot. A reseller's payments are theirs (tenant handle); the queries
// the admin panel and the payment poller run over all resellers live on
// *Store and are named for them. Crediting access happens once per provider
// payment id: the ledger row (subscription_credits, keyed by provider and
// provider_ref) is written in the transaction that extends the access, so
// a second credit of the same payment fails on the key and changes nothing.

// SubscriptionStatus is where a payment stands.
type SubscriptionStatus string

// Payment states. Pending and proof are open; the others are final.
const (
	SubCreating  SubscriptionStatus = "creating"  // being created at the provider
	SubFailed    SubscriptionStatus = "failed"    // the provider could not create it
	SubPending   SubscriptionStatus = "pending"   // shown to the reseller, not paid yet
	SubProof     SubscriptionStatus = "proof"     // manual: proof sent, an admin decides
	SubApproved  SubscriptionStatus = "approved"  // credited
	SubRefused   SubscriptionStatus = "refused"   // manual: an admin refused the proof
	SubRejected  SubscriptionStatus = "rejected"  // the provider refused the payment
	SubCancelled SubscriptionStatus = "cancelled" // cancelled at the provider
	SubExpired   SubscriptionStatus = "expired"   // not paid in time
	SubMismatch  SubscriptionStatus = "mismatch"  // paid, but not the plan's amount: not credited
)

// Payment providers.
const (
	ProviderManual      = "manual"
	ProviderMercadoPago = "mercadopago"
)

// Audit actions of payments: an admin approved or refused a proof, or the
// provider confirmed a payment (no admin: admin_chat_id is NULL).
const (
	AuditSubscriptionApprove = "sub_approve"
	AuditSubscriptionRefuse  = "sub_refuse"
	AuditSubscriptionPaid    = "sub_paid"
)

// ErrAlreadyCredited is returned when a payment's provider id was credited
// before: access is not extended again.
var ErrAlreadyCredited = errors.New("store: payment already credited")

// SubscriptionPayment is one payment a reseller started.
type SubscriptionPayment struct {
	ID             int64
	ResellerID     int64
	Provider       string
	ProviderRef    string // the txid (manual) or Mercado Pago's id; "" while being created
	IdempotencyKey string
	Months         int
	Amount         int64 // centavos
	Status         SubscriptionStatus
	PixCode        string
	PayerEmail     string
	PaidAmount     int64 // what the provider reported, when it differed (mismatch); else 0
	ProofFile      string
	ProofKind      string // "photo" or "document"
	ProofAt        time.Time
	Reason         string
	CreatedAt      time.Time
	ExpiresAt      time.Time // zero: none
	UpdatedAt      time.Time

	// ResellerName is filled by the admin queries (the reseller's current
	// name), for lists that span resellers.
	ResellerName string
}

// Open reports whether the payment still waits for the reseller or an
// admin.
func (p SubscriptionPayment) Open() bool { return p.Status == SubPending || p.Status == SubProof }

const subCols = `p.id, p.reseller_id, p.provider, COALESCE(p.provider_ref, ''), p.idempotency_key, p.months, p.amount, p.status,
	p.pix_code, p.payer_email, COALESCE(p.paid_amount, 0), p.proof_file, p.proof_kind, p.proof_at, p.reason,
	p.created_at, p.expires_at, p.updated_at`

// subFrom selects subCols and the reseller's name.
const subFrom = `SELECT ` + subCols + `, COALESCE(r.name, '') FROM subscription_payments p LEFT JOIN resellers r ON r.chat_id = p.reseller_id`

func scanSub(row scanner) (SubscriptionPayment, error) {
	var p SubscriptionPayment
	var proofAt, expires sql.NullInt64
	var created, updated int64
	if err := row.Scan(&p.ID, &p.ResellerID, &p.Provider, &p.ProviderRef, &p.IdempotencyKey, &p.Months, &p.Amount, &p.Status,
		&p.PixCode, &p.PayerEmail, &p.PaidAmount, &p.ProofFile, &p.ProofKind, &proofAt, &p.Reason, &created, &expires, &updated,
		&p.ResellerName); err != nil {
		return SubscriptionPayment{}, notFound(err)
	}
	p.ProofAt, p.ExpiresAt = nullUnix(proofAt), nullUnix(expires)
	p.CreatedAt, p.UpdatedAt = fromUnix(created), fromUnix(updated)
	return p, nil
}

// Subscriptions is the tenant's payments to the operator.
type Subscriptions struct{ t Tenant }

// Subscriptions returns the tenant's payments to the operator.
func (t Tenant) Subscriptions() Subscriptions { return Subscriptions{t} }

// NewSubscriptionPayment is a payment to record.
type NewSubscriptionPayment struct {
	Provider string
	// ProviderRef is known at once for a manual Pix (its txid); empty for
	// Mercado Pago, whose id comes with Created.
	ProviderRef    string
	IdempotencyKey string
	Months         int
	Amount         int64
	Status         SubscriptionStatus // SubPending (manual, with PixCode) or SubCreating
	PixCode        string
	PayerEmail     string
	ExpiresAt      time.Time
}

// Create records a new payment of the tenant.
func (s Subscriptions) Create(ctx context.Context, n NewSubscriptionPayment) (SubscriptionPayment, error) {
	if n.Status != SubPending && n.Status != SubCreating {
		return SubscriptionPayment{}, fmt.Errorf("store: a new payment is pending or being created, not %q", n.Status)
	}
	now := unix(s.t.s.now())
	var ref any
	if n.ProviderRef != "" {
		ref = n.ProviderRef
	}
	var id int64
	err := s.t.s.write.QueryRowContext(ctx, `INSERT INTO subscription_payments (reseller_id, provider, provider_ref, idempotency_key,
			months, amount, status, pix_code, payer_email, created_at, expires_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		s.t.chatID, n.Provider, ref, n.IdempotencyKey, n.Months, n.Amount, n.Status, n.PixCode, n.PayerEmail, now,
		nullTime(n.ExpiresAt), now).Scan(&id)
	if isForeignKeyViolation(err) {
		return SubscriptionPayment{}, ErrNotFound
	}
	if err != nil {
		return SubscriptionPayment{}, fmt.Errorf("store: create payment: %w", err)
	}
	return s.Get(ctx, id)
}

// Get returns one of the tenant's payments (ErrNotFound for another
// tenant's id).
func (s Subscriptions) Get(ctx context.Context, id int64) (SubscriptionPayment, error) {
	return scanSub(s.t.s.read.QueryRowContext(ctx, subFrom+` WHERE p.id = ? AND p.reseller_id = ?`, id, s.t.chatID))
}

// Recent returns the tenant's newest payments, newest first.
func (s Subscriptions) Recent(ctx context.Context, limit int) ([]SubscriptionPayment, error) {
	rows, err := s.t.s.read.QueryContext(ctx, subFrom+` WHERE p.reseller_id = ? ORDER BY p.id DESC LIMIT ?`, s.t.chatID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent payments: %w", err)
	}
	return collect(rows, scanSub)
}

// Open returns the tenant's newest payment still waiting (pending or with
// a proof), or ErrNotFound.
func (s Subscriptions) Open(ctx context.Context) (SubscriptionPayment, error) {
	return scanSub(s.t.s.read.QueryRowContext(ctx, subFrom+` WHERE p.reseller_id = ? AND p.status IN ('pending', 'proof')
		ORDER BY p.id DESC LIMIT 1`, s.t.chatID))
}

// Created records what the provider created for a payment being created:
// its id, the copia e cola and when it expires. The payment becomes pending.
func (s Subscriptions) Created(ctx context.Context, id int64, ref, pixCode string, expires time.Time) (SubscriptionPayment, error) {
	if ref == "" {
		return SubscriptionPayment{}, errors.New("store: created payment without the provider's id")
	}
	res, err := s.t.s.write.ExecContext(ctx, `UPDATE subscription_payments SET provider_ref = ?, pix_code = ?, expires_at = ?,
			status = 'pending', updated_at = ?
		WHERE id = ? AND reseller_id = ? AND status = 'creating'`,
		ref, pixCode, nullTime(expires), unix(s.t.s.now()), id, s.t.chatID)
	if err != nil {
		return SubscriptionPayment{}, fmt.Errorf("store: payment created: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return SubscriptionPayment{}, ErrNotFound
	}
	return s.Get(ctx, id)
}

// Failed records that the provider could not create the payment.
func (s Subscriptions) Failed(ctx context.Context, id int64, reason string) error {
	_, err := s.t.s.write.ExecContext(ctx, `UPDATE subscription_payments SET status = 'failed', reason = ?, updated_at = ?
		WHERE id = ? AND reseller_id = ? AND status = 'creating'`, reason, unix(s.t.s.now()), id, s.t.chatID)
	if err != nil {
		return fmt.Errorf("store: payment failed: %w", err)
	}
	return nil
}

// AttachProof records the proof of a manual payment (a Telegram file) and
// puts it before the admins. ErrAlreadyDecided when the payment is not a
// manual one waiting for its proof (sent already, decided, another kind).
func (s Subscriptions) AttachProof(ctx context.Context, id int64, fileID, kind string) (SubscriptionPayment, error) {
	if fileID == "" || (kind != "photo" && kind != "document") {
		return SubscriptionPayment{}, errors.New("store: proof without a file")
	}
	now := unix(s.t.s.now())
	res, err := s.t.s.write.ExecContext(ctx, `UPDATE subscription_payments SET status = 'proof', proof_file = ?, proof_kind = ?,
			proof_at = ?, updated_at = ?
		WHERE id = ? AND reseller_id = ? AND provider = 'manual' AND status = 'pending'`, fileID, kind, now, now, id, s.t.chatID)
	if err != nil {
		return SubscriptionPayment{}, fmt.Errorf("store: attach proof: %w", err)
	}
	p, err := s.Get(ctx, id)
	if err != nil {
		return SubscriptionPayment{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return p, ErrAlreadyDecided
	}
	return p, nil
}

// Settle moves an open payment to a final state that credits nothing
// (rejected, cancelled, expired, mismatch), once: changed is false when it
// was no longer pending (settled or credited already), so whoever sees the
// change first is the one who tells the reseller. paid is what the
// provider reported (kept for a mismatch; 0 otherwise).
func (s Subscriptions) Settle(ctx context.Context, id int64, to SubscriptionStatus, paid int64, reason string) (p SubscriptionPayment, changed bool, err error) {
	switch to {
	case SubRejected, SubCancelled, SubExpired, SubMismatch:
	default:
		return SubscriptionPayment{}, false, fmt.Errorf("store: %q is not a final state without credit", to)
	}
	var paidArg any
	if paid != 0 {
		paidArg = paid
	}
	res, err := s.t.s.write.ExecContext(ctx, `UPDATE subscription_payments SET status = ?, paid_amount = ?, reason = ?, updated_at = ?
		WHERE id = ? AND reseller_id = ? AND status = 'pending'`, to, paidArg, reason, unix(s.t.s.now()), id, s.t.chatID)
	if err != nil {
		return SubscriptionPayment{}, false, fmt.Errorf("store: settle payment: %w", err)
	}
	n, _ := res.RowsAffected()
	p, err = s.Get(ctx, id)
	return p, n == 1, err
}

// Credit is the access a payment bought.
type Credit struct {
	Payment SubscriptionPayment // after the credit (approved)
	Before  Reseller
	After   Reseller
	// Last is the new last day of access (zero: the access has no end and
	// kept none).
	Last billing.Date
}

// CreditPaid credits a pending payment the provider reported paid for
// exactly its amount: the payment becomes approved, the reseller's access
// is extended by its months (Reseller.PaidExtension), the ledger row is
// written and the audit log says so, in one transaction. A payment
// credited before returns ErrAlreadyCredited and changes nothing; one
// settled otherwise returns ErrAlreadyDecided.
func (s Subscriptions) CreditPaid(ctx context.Context, id int64, paid int64) (Credit, error) {
	var c Credit
	st := s.t.s
	now := st.now()
	err := st.tx(ctx, func(tx *sql.Tx) error {
		p, err := scanSub(tx.QueryRowContext(ctx, subFrom+` WHERE p.id = ? AND p.reseller_id = ?`, id, s.t.chatID))
		if err != nil {
			return err
		}
		if paid != p.Amount {
			return fmt.Errorf("store: payment %d paid %d, not its amount %d", id, paid, p.Amount)
		}
		c, err = creditTx(ctx, tx, p, SubPending, now, AuditEntry{Action: AuditSubscriptionPaid})
		return err
	})
	return c, err
}

// creditTx extends the access of p's reseller by p's months inside tx,
// when p is in state from: the ledger row first (its key refuses a
// payment credited before), then the access (setAccessTx, the admin's
// write too), the payment's state and the audit entry e (its action and
// admin; the rest is filled here).
func creditTx(ctx context.Context, tx *sql.Tx, p SubscriptionPayment, from SubscriptionStatus, at time.Time, e AuditEntry) (Credit, error) {
	now := unix(at)
	c := Credit{}
	if p.ProviderRef == "" {
		return c, fmt.Errorf("store: payment %d has no provider id to credit", p.ID)
	}
	before, err := scanReseller(tx.QueryRowContext(ctx, `SELECT `+resellerCols+` FROM resellers WHERE chat_id = ?`, p.ResellerID))
	if err != nil {
		return c, err
	}
	access, last := before.PaidExtension(at, p.Months)
	_, err = tx.ExecContext(ctx, `INSERT INTO subscription_credits (provider, provider_ref, payment_id, reseller_id, months, amount,
			previous_until, new_until, credited_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Provider, p.ProviderRef, p.ID, p.ResellerID, p.Months, p.Amount,
		nullTime(before.AccessUntil), access.untilArg(), now)
	if isUniqueViolation(err) {
		return c, ErrAlreadyCredited
	}
	if err != nil {
		return c, fmt.Errorf("store: credit payment: %w", err)
	}
	if p.Status != from {
		return c, ErrAlreadyDecided
	}
	res, err := tx.ExecContext(ctx, `UPDATE subscription_payments SET status = 'approved', updated_at = ? WHERE id = ? AND status = ?`,
		now, p.ID, from)
	if err != nil {
		return c, fmt.Errorf("store: credit payment: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return c, ErrAlreadyDecided
	}
	after, err := setAccessTx(ctx, tx, p.ResellerID, access, now)
	if err != nil {
		return c, err
	}
	e.TargetID, e.TargetName = p.ResellerID, before.Name
	e.Detail = fmt.Sprintf("%s, %s", billing.Plural(p.Months, "mês", "meses"), billing.FormatMoney(p.Amount))
	if !last.IsZero() {
		e.Detail += ", até " + last.BR()
	}
	if err := insertAudit(ctx, tx, now, e); err != nil {
		return c, err
	}
	p.Status, p.UpdatedAt = SubApproved, fromUnix(now)
	return Credit{Payment: p, Before: before, After: after, Last: last}, nil
}

// PayerEmail returns the e-mail the tenant pays Mercado Pago with ("" if
// never asked).
func (s Subscriptions) PayerEmail(ctx context.Context) (string, error) {
	var email string
	err := s.t.s.read.QueryRowContext(ctx, `SELECT email FROM subscription_payers WHERE reseller_id = ?`, s.t.chatID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: payer e-mail: %w", err)
	}
	return email, nil
}

// SetPayerEmail keeps the e-mail the tenant pays Mercado Pago with.
func (s Subscriptions) SetPayerEmail(ctx context.Context, email string) error {
	if email == "" {
		return errors.New("store: empty payer e-mail")
	}
	_, err := s.t.s.write.ExecContext(ctx, `INSERT INTO subscription_payers (reseller_id, email, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (reseller_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at`,
		s.t.chatID, email, unix(s.t.s.now()))
	if err != nil {
		return fmt.Errorf("store: set payer e-mail: %w", err)
	}
	return nil
}

// ---- over all resellers: the poller and the admin panel ----

// SubscriptionsToPoll returns every pending payment of provider that the
// provider has created (it has an id), oldest first: what the poller asks
// the provider about. Pending payments are rows, so a restart polls them
// again.
func (s *Store) SubscriptionsToPoll(ctx context.Context, provider string) ([]SubscriptionPayment, error) {
	rows, err := s.read.QueryContext(ctx, subFrom+` WHERE p.status = 'pending' AND p.provider = ? AND p.provider_ref IS NOT NULL
		ORDER BY p.id`, provider)
	if err != nil {
		return nil, fmt.Errorf("store: payments to poll: %w", err)
	}
	return collect(rows, scanSub)
}

// AdminSubscriptionProofs returns the proofs waiting for an admin, oldest
// first.
func (s *Store) AdminSubscriptionProofs(ctx context.Context) ([]SubscriptionPayment, error) {
	rows, err := s.read.QueryContext(ctx, subFrom+` WHERE p.status = 'proof' ORDER BY p.proof_at, p.id`)
	if err != nil {
		return nil, fmt.Errorf("store: proofs: %w", err)
	}
	return collect(rows, scanSub)
}

// AdminSubscriptionPayments returns the payments started in [from, to),
// newest first, at most limit, and how many there are.
func (s *Store) AdminSubscriptionPayments(ctx context.Context, from, to time.Time, limit int) ([]SubscriptionPayment, int, error) {
	var total int
	if err := s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscription_payments WHERE created_at >= ? AND created_at < ?`,
		unix(from), unix(to)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count payments: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, subFrom+` WHERE p.created_at >= ? AND p.created_at < ? ORDER BY p.id DESC LIMIT ?`,
		unix(from), unix(to), limit)
	if err != nil {
		return nil, 0, fmt.Errorf("store: payments: %w", err)
	}
	list, err := collect(rows, scanSub)
	return list, total, err
}

// AdminSubscriptionPayment returns any reseller's payment, for the admin
// buttons that decide it.
func (s *Store) AdminSubscriptionPayment(ctx context.Context, id int64) (SubscriptionPayment, error) {
	return scanSub(s.read.QueryRowContext(ctx, subFrom+` WHERE p.id = ?`, id))
}

// Revenue is what the credited payments of a period brought in.
type Revenue struct {
	From, To time.Time // [From, To)
	Amount   int64
	Count    int
}

// AdminSubscriptionRevenue sums the credited payments (the ledger) of each
// period [bounds[i], bounds[i+1]).
func (s *Store) AdminSubscriptionRevenue(ctx context.Context, bounds []time.Time) ([]Revenue, error) {
	var out []Revenue
	for i := 0; i+1 < len(bounds); i++ {
		r := Revenue{From: bounds[i], To: bounds[i+1]}
		if err := s.read.QueryRowContext(ctx, `SELECT `+sumMoney("amount")+`, COUNT(*) FROM subscription_credits
			WHERE credited_at >= ? AND credited_at < ?`, unix(r.From), unix(r.To)).Scan(&r.Amount, &r.Count); err != nil {
			return nil, fmt.Errorf("store: revenue: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// AdminApproveSubscription is an admin's approval of a manual payment's
// proof: the payment is credited (creditTx) and the approval audited, in
// one transaction, with once (the token of the admin's message) spent in
// it. However many admins press Aprovar, one credit: a payment no longer
// waiting for a decision returns ErrAlreadyDecided with its current state.
func (s *Store) AdminApproveSubscription(ctx context.Context, admin, id int64, once string) (Credit, error) {
	var c Credit
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		p, err := scanSub(tx.QueryRowContext(ctx, subFrom+` WHERE p.id = ?`, id))
		if err != nil {
			return err
		}
		c.Payment = p
		if err := spendOnce(ctx, tx, admin, once, unix(now)); err != nil {
			return err
		}
		if p.Status != SubProof {
			return ErrAlreadyDecided
		}
		c, err = creditTx(ctx, tx, p, SubProof, now, AuditEntry{AdminID: admin, Action: AuditSubscriptionApprove})
		return err
	})
	if errors.Is(err, ErrAlreadyDecided) || errors.Is(err, ErrAlreadyCredited) {
		p, gerr := s.AdminSubscriptionPayment(ctx, id)
		if gerr != nil {
			return Credit{}, gerr
		}
		return Credit{Payment: p}, ErrAlreadyDecided
	}
	return c, err
}

// AdminRefuseSubscription is an admin's refusal of a manual payment's
// proof, with the reason the reseller is told, audited in the same
// transaction. ErrAlreadyDecided (with the payment as it is) when it no
// longer waits for a decision.
func (s *Store) AdminRefuseSubscription(ctx context.Context, admin, id int64, reason string) (SubscriptionPayment, error) {
	now := unix(s.now())
	var p SubscriptionPayment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if p, err = scanSub(tx.QueryRowContext(ctx, subFrom+` WHERE p.id = ?`, id)); err != nil {
			return err
		}
		if p.Status != SubProof {
			return ErrAlreadyDecided
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscription_payments SET status = 'refused', reason = ?, updated_at = ?
			WHERE id = ? AND status = 'proof'`, reason, now, id); err != nil {
			return fmt.Errorf("store: refuse payment: %w", err)
		}
		p.Status, p.Reason, p.UpdatedAt = SubRefused, reason, fromUnix(now)
		return insertAudit(ctx, tx, now, AuditEntry{AdminID: admin, Action: AuditSubscriptionRefuse, TargetID: p.ResellerID,
			TargetName: p.ResellerName, Detail: fmt.Sprintf("%s, %s: %s", billing.Plural(p.Months, "mês", "meses"),
				billing.FormatMoney(p.Amount), reason)})
	})
	return p, err
}

// NoticeExpired is the notice of an access that ended (with the button to
// subscribe), once per end of access like the notices before it.
const NoticeExpired = "exp"

// ResellersWithAccessEnded returns the resellers whose trial or paid access
// ended after since and no later than now: the candidates for the notice
// that it ended. It is a scheduler query over all resellers.
func (s *Store) ResellersWithAccessEnded(ctx context.Context, since, now time.Time) ([]Reseller, error) {
	return s.resellersWithAccessUntil(ctx, since, now, time.Time{}, "ended")
}
