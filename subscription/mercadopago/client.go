// Package mercadopago is a small client of Mercado Pago's payments API,
// only what a Pix payment needs: create one (POST /v1/payments) and read it
// back (GET /v1/payments/{id}). It speaks the documented JSON and nothing
// more; what a payment means to the product is package subscription's.
//
// The access token travels in the Authorization header only: it is never
// part of a URL, an error or a log line.
package mercadopago

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"renovabot/clock"
)

// DefaultAPIURL is Mercado Pago's public API.
const DefaultAPIURL = "https://api.mercadopago.com"

// DateLayout is how Mercado Pago writes dates (date_of_expiration):
// "2022-11-17T09:37:52.000-04:00".
const DateLayout = "2006-01-02T15:04:05.000-07:00"

// Payment statuses Mercado Pago documents.
const (
	StatusPending     = "pending"
	StatusApproved    = "approved"
	StatusAuthorized  = "authorized"
	StatusInProcess   = "in_process"
	StatusInMediation = "in_mediation"
	StatusRejected    = "rejected"
	StatusCancelled   = "cancelled"
	StatusRefunded    = "refunded"
	StatusChargedBack = "charged_back"
	// StatusExpired is not in the list of statuses (an expired Pix is
	// "cancelled" with status_detail "expired"), but is accepted as one.
	StatusExpired = "expired"
)

// Client calls the API with one access token.
type Client struct {
	baseURL string
	token   string
	http    *http.Client
	clock   clock.Clock
	// Attempts of one call that fails for a passing reason (a 5xx, 429 or a
	// network error), and the pause before the second (doubling after).
	attempts int
	backoff  time.Duration
}

// Options configure a Client; zero values take the defaults.
type Options struct {
	BaseURL string       // DefaultAPIURL
	HTTP    *http.Client // a client with a 20 s timeout
	Clock   clock.Clock  // clock.Real
	// Attempts (3) and Backoff (1 s) of the retries of a failing call. A
	// retried creation sends the same X-Idempotency-Key, so Mercado Pago
	// returns the payment it created instead of a second one.
	Attempts int
	Backoff  time.Duration
}

// New returns a client for token.
func New(token string, o Options) *Client {
	if o.BaseURL == "" {
		o.BaseURL = DefaultAPIURL
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	return &Client{baseURL: strings.TrimRight(o.BaseURL, "/"), token: token, http: o.HTTP, clock: o.Clock,
		attempts: o.Attempts, backoff: o.Backoff}
}

// Amount is money as the API writes it (a JSON number of reais, 20.5),
// kept here in centavos.
type Amount int64

// MarshalJSON writes reais with two decimals: 2050 -> 20.50.
func (a Amount) MarshalJSON() ([]byte, error) {
	v := int64(a)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return []byte(fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)), nil
}

// UnmarshalJSON reads a number of reais, rounding to centavos.
func (a *Amount) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*a = 0
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e13 {
		return fmt.Errorf("mercadopago: %q is not an amount", b)
	}
	*a = Amount(math.Round(f * 100))
	return nil
}

// Payer is who pays.
type Payer struct {
	Email string `json:"email"`
}

// CreatePix is the body of a Pix payment's creation.
type CreatePix struct {
	Amount            Amount `json:"transaction_amount"`
	Description       string `json:"description,omitempty"`
	PaymentMethodID   string `json:"payment_method_id"` // always "pix"
	ExternalReference string `json:"external_reference,omitempty"`
	DateOfExpiration  string `json:"date_of_expiration,omitempty"` // DateLayout
	Payer             Payer  `json:"payer"`
}

// TransactionData is where a Pix payment's code and QR image come.
type TransactionData struct {
	QRCode       string `json:"qr_code"`        // the copia e cola
	QRCodeBase64 string `json:"qr_code_base64"` // a PNG, base64
	TicketURL    string `json:"ticket_url,omitempty"`
}

// PointOfInteraction wraps TransactionData.
type PointOfInteraction struct {
	Type            string          `json:"type,omitempty"`
	TransactionData TransactionData `json:"transaction_data"`
}

// Payment is a payment as the API returns it (the fields this product
// reads).
type Payment struct {
	ID                 int64              `json:"id"`
	Status             string             `json:"status"`
	StatusDetail       string             `json:"status_detail"`
	Amount             Amount             `json:"transaction_amount"`
	ExternalReference  string             `json:"external_reference"`
	DateOfExpiration   string             `json:"date_of_expiration,omitempty"`
	PointOfInteraction PointOfInteraction `json:"point_of_interaction"`
}

// Expires parses DateOfExpiration (zero when absent or unreadable).
func (p Payment) Expires() time.Time {
	t, err := time.Parse(DateLayout, p.DateOfExpiration)
	if err != nil {
		t, err = time.Parse(time.RFC3339, p.DateOfExpiration)
	}
	if err != nil {
		return time.Time{}
	}
	return t
}

// Error is an answer of the API that is not a success. Transient ones
// (5xx, 429, or no answer at all: Status 0) are worth trying again.
type Error struct {
	Status  int    // HTTP status; 0: no answer (network, timeout)
	Message string // the API's message, or the network error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "mercadopago: no answer: " + e.Message
	}
	return fmt.Sprintf("mercadopago: HTTP %d: %s", e.Status, e.Message)
}

// Transient reports whether trying again later may succeed.
func (e *Error) Transient() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// IsTransient reports whether err is an *Error worth trying again.
func IsTransient(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Transient()
}

// CreatePix creates a Pix payment. idempotencyKey (X-Idempotency-Key) must
// be the same for every attempt at the same payment.
func (c *Client) CreatePix(ctx context.Context, idempotencyKey string, req CreatePix) (Payment, error) {
	if idempotencyKey == "" {
		return Payment{}, errors.New("mercadopago: a creation needs an idempotency key")
	}
	req.PaymentMethodID = "pix"
	body, err := json.Marshal(req)
	if err != nil {
		return Payment{}, err
	}
	var p Payment
	err = c.call(ctx, http.MethodPost, "/v1/payments", body, idempotencyKey, &p)
	return p, err
}

// Get reads a payment by Mercado Pago's id.
func (c *Client) Get(ctx context.Context, id int64) (Payment, error) {
	var p Payment
	err := c.call(ctx, http.MethodGet, "/v1/payments/"+strconv.FormatInt(id, 10), nil, "", &p)
	return p, err
}

// call runs one API call with the retries of passing failures.
func (c *Client) call(ctx context.Context, method, path string, body []byte, idempotencyKey string, out any) error {
	wait := c.backoff
	for attempt := 1; ; attempt++ {
		err := c.once(ctx, method, path, body, idempotencyKey, out)
		if err == nil || !IsTransient(err) || attempt >= c.attempts || ctx.Err() != nil {
			return err
		}
		if serr := c.clock.Sleep(ctx, wait); serr != nil {
			return err
		}
		wait *= 2
	}
}

func (c *Client) once(ctx context.Context, method, path string, body []byte, idempotencyKey string, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("X-Idempotency-Key", idempotencyKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The error names the URL (never the token, which is a header).
		return &Error{Message: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &Error{Message: "reading the answer: " + err.Error()}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &Error{Status: resp.StatusCode, Message: apiMessage(raw)}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("mercadopago: unreadable answer to %s %s: %w", method, path, err)
	}
	return nil
}

// apiMessage is the message of an error body ({"message": ..., "error":
// ..., "status": ...}), or a short excerpt of whatever came.
func apiMessage(raw []byte) string {
	var e struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil && (e.Message != "" || e.Error != "") {
		if e.Message == "" {
			return e.Error
		}
		return e.Message
	}
	s := strings.Join(strings.Fields(string(raw)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
