package subscription

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"renovabot/pix"
	"renovabot/store"
	"renovabot/subscription/mercadopago"
)

// qrSize is the side of the QR images this package draws, in pixels.
const qrSize = 512

// Manual is the embedded provider: a static Pix to the operator's own key,
// for the exact amount, with a txid unique to the payment. Nothing tells it
// when the Pix was paid: the reseller sends the proof and an admin decides.
type Manual struct {
	Key    string // a key as pix.ParseKey normalised it
	Holder string
	City   string
}

// NewManual checks the operator's Pix data by building a code with it.
func NewManual(key, holder, city string) (*Manual, error) {
	k, err := pix.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("subscription: operator's Pix key: %w", err)
	}
	m := &Manual{Key: k.Value, Holder: holder, City: city}
	if _, err := pix.BRCode(pix.Payload{Key: m.Key, Name: holder, City: city, Amount: 100, TxID: "RB0"}); err != nil {
		return nil, fmt.Errorf("subscription: operator's Pix data: %w", err)
	}
	return m, nil
}

// Name is store.ProviderManual.
func (*Manual) Name() string { return store.ProviderManual }

// Create builds the BR Code and its QR image.
func (m *Manual) Create(_ context.Context, c Charge) (Pix, error) {
	if c.TxID == "" {
		return Pix{}, errors.New("subscription: a manual Pix needs a txid")
	}
	code, err := pix.BRCode(pix.Payload{Key: m.Key, Name: m.Holder, City: m.City, Amount: c.Amount, TxID: c.TxID})
	if err != nil {
		return Pix{}, err
	}
	png, err := pix.QRCodePNG(code, qrSize)
	if err != nil {
		return Pix{}, err
	}
	return Pix{Ref: c.TxID, Code: code, PNG: png}, nil
}

// MercadoPago is the provider of Pix payments through Mercado Pago: it
// creates them and says when they were paid (a Checker).
type MercadoPago struct{ C *mercadopago.Client }

// Name is store.ProviderMercadoPago.
func (MercadoPago) Name() string { return store.ProviderMercadoPago }

// Create asks Mercado Pago for a Pix payment; external_reference is our
// payment id, and a retry of the same payment sends the same idempotency
// key. The QR image is Mercado Pago's (qr_code_base64), or drawn here from
// the copia e cola when it sent none.
func (p MercadoPago) Create(ctx context.Context, c Charge) (Pix, error) {
	req := mercadopago.CreatePix{Amount: mercadopago.Amount(c.Amount), Description: c.Description,
		ExternalReference: strconv.FormatInt(c.PaymentID, 10), Payer: mercadopago.Payer{Email: c.PayerEmail}}
	if !c.ExpiresAt.IsZero() {
		req.DateOfExpiration = c.ExpiresAt.Format(mercadopago.DateLayout)
	}
	mp, err := p.C.CreatePix(ctx, c.IdempotencyKey, req)
	if err != nil {
		if mercadopago.IsTransient(err) {
			return Pix{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return Pix{}, err
	}
	td := mp.PointOfInteraction.TransactionData
	if mp.ID == 0 || td.QRCode == "" {
		return Pix{}, fmt.Errorf("%w: Mercado Pago created payment %d without a Pix code", ErrUnavailable, mp.ID)
	}
	png, err := base64.StdEncoding.DecodeString(td.QRCodeBase64)
	if err != nil || len(png) == 0 {
		if png, err = pix.QRCodePNG(td.QRCode, qrSize); err != nil {
			return Pix{}, err
		}
	}
	return Pix{Ref: strconv.FormatInt(mp.ID, 10), Code: td.QRCode, PNG: png, ExpiresAt: mp.Expires()}, nil
}

// Check reads the payment and says what its status means.
func (p MercadoPago) Check(ctx context.Context, ref string) (Result, error) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return Result{}, fmt.Errorf("subscription: %q is not a Mercado Pago payment id", ref)
	}
	mp, err := p.C.Get(ctx, id)
	if err != nil {
		return Result{}, err
	}
	detail := mp.Status
	if mp.StatusDetail != "" {
		detail += " (" + mp.StatusDetail + ")"
	}
	r := Result{Detail: detail}
	switch mp.Status {
	case mercadopago.StatusApproved:
		r.Outcome, r.Paid = Paid, int64(mp.Amount)
	case mercadopago.StatusRejected:
		r.Outcome = Rejected
	case mercadopago.StatusExpired:
		r.Outcome = Expired
	case mercadopago.StatusCancelled:
		r.Outcome = Cancelled
		if mp.StatusDetail == "expired" {
			r.Outcome = Expired
		}
	case mercadopago.StatusRefunded, mercadopago.StatusChargedBack:
		r.Outcome = Cancelled
	default: // pending, in_process, authorized, in_mediation, or anything new
		r.Outcome = Waiting
	}
	return r, nil
}
