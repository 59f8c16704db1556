// Package mercadopagotest is a fake Mercado Pago payments API for tests.
//
// It speaks the documented JSON over HTTP (httptest): POST /v1/payments
// creates a Pix payment (Bearer token, X-Idempotency-Key, a Pix body with
// transaction_amount, payment_method_id "pix", payer.email and an optional
// date_of_expiration), answering with an id, status "pending" and
// point_of_interaction.transaction_data (a real BR Code and its QR PNG);
// the same idempotency key returns the same payment; GET
// /v1/payments/{id} reads it back. Tests move a payment along (Approve,
// Reject, Expire, SetStatus), inject failures (Fail), and read every call.
package mercadopagotest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"renovabot/pix"
	"renovabot/subscription/mercadopago"
)

// Server is the fake API.
type Server struct {
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	changed  chan struct{}
	nextID   int64
	payments map[int64]*Payment
	byKey    map[string]int64
	calls    []Call
	faults   []*Fault
}

// Payment is a payment the fake holds.
type Payment struct {
	ID                int64
	Status            string
	StatusDetail      string
	Amount            int64 // centavos, as asked
	PaidAmount        int64 // what GET reports once approved (Amount unless set)
	Description       string
	ExternalReference string
	DateOfExpiration  string
	PayerEmail        string
	IdempotencyKey    string
	QRCode            string
	QRCodePNG         []byte
}

// Call is one request the fake received.
type Call struct {
	Method         string
	Path           string
	IdempotencyKey string
	Authorized     bool // the Bearer token was the expected one
	Status         int  // the HTTP status answered
}

// Fault makes matching calls fail: Method ("" any), PathPrefix ("" any);
// Times calls (0: until ClearFaults).
type Fault struct {
	Method     string
	PathPrefix string
	Code       int
	Times      int
	used       int
}

// Token is the access token the fake accepts unless told otherwise.
const Token = "APP_USR-1234567890123456-112233-abcdefabcdefabcdefabcdefabcdefab-123456789"

// NewServer starts a fake accepting token.
func NewServer(token string) *Server {
	s := &Server{token: token, changed: make(chan struct{}), nextID: 1310000000, payments: map[int64]*Payment{},
		byKey: map[string]int64{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the base URL to configure as mercadopago.api_url.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Until blocks until cond holds or timeout passes (a failure bound, not
// synchronisation: it returns as soon as a call changes the state so that
// cond holds). It reports whether cond held.
func (s *Server) Until(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

// Calls returns every request so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo counts the requests with method whose path starts with prefix.
func (s *Server) CallsTo(method, prefix string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			n++
		}
	}
	return n
}

// Payments returns the payments created, by id order.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Payment, 0, len(s.payments))
	for id := int64(1310000000); id < s.nextID; id++ {
		if p := s.payments[id]; p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// Payment returns one payment.
func (s *Server) Payment(id int64) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// SetStatus moves a payment to status and detail.
func (s *Server) SetStatus(id int64, status, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.payments[id]; p != nil {
		p.Status, p.StatusDetail = status, detail
		s.notifyLocked()
	}
}

// Approve marks the payment paid in full ("approved", "accredited").
func (s *Server) Approve(id int64) { s.SetStatus(id, mercadopago.StatusApproved, "accredited") }

// ApproveAmount marks the payment approved with another amount paid.
func (s *Server) ApproveAmount(id int64, paid int64) {
	s.mu.Lock()
	if p := s.payments[id]; p != nil {
		p.PaidAmount = paid
	}
	s.mu.Unlock()
	s.Approve(id)
}

// Reject marks the payment rejected.
func (s *Server) Reject(id int64) {
	s.SetStatus(id, mercadopago.StatusRejected, "cc_rejected_other_reason")
}

// Expire marks the payment as a Pix not paid in time: "cancelled" with
// status_detail "expired".
func (s *Server) Expire(id int64) { s.SetStatus(id, mercadopago.StatusCancelled, "expired") }

// Fail adds a fault.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) faultLocked(method, path string) int {
	for _, f := range s.faults {
		if (f.Method == "" || f.Method == method) && strings.HasPrefix(path, f.PathPrefix) && (f.Times == 0 || f.used < f.Times) {
			f.used++
			return f.Code
		}
	}
	return 0
}

// ---- HTTP ----

type apiError struct {
	Message string `json:"message"`
	Error   string `json:"error"`
	Status  int    `json:"status"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer func() {
		s.notifyLocked()
		s.mu.Unlock()
	}()
	call := Call{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("X-Idempotency-Key"),
		Authorized: r.Header.Get("Authorization") == "Bearer "+s.token}
	reply := func(status int, v any) {
		call.Status = status
		s.calls = append(s.calls, call)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, code, msg string) { reply(status, apiError{Message: msg, Error: code, Status: status}) }

	if code := s.faultLocked(r.Method, r.URL.Path); code != 0 {
		fail(code, "internal_error", "injected failure")
		return
	}
	if !call.Authorized {
		fail(http.StatusUnauthorized, "unauthorized", "invalid access token")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/payments":
		s.create(call, body, reply, fail)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/payments/"):
		id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/v1/payments/"), 10, 64)
		p := s.payments[id]
		if err != nil || p == nil {
			fail(http.StatusNotFound, "not_found", "Payment not found")
			return
		}
		reply(http.StatusOK, p.json())
	default:
		fail(http.StatusNotFound, "not_found", "resource not found")
	}
}

func (s *Server) create(call Call, body []byte, reply func(int, any), fail func(int, string, string)) {
	if call.IdempotencyKey == "" {
		fail(http.StatusBadRequest, "bad_request", "X-Idempotency-Key header is required")
		return
	}
	if id, ok := s.byKey[call.IdempotencyKey]; ok {
		reply(http.StatusOK, s.payments[id].json())
		return
	}
	var req mercadopago.CreatePix
	if err := json.Unmarshal(body, &req); err != nil {
		fail(http.StatusBadRequest, "bad_request", "invalid JSON body")
		return
	}
	switch {
	case req.PaymentMethodID != "pix":
		fail(http.StatusBadRequest, "bad_request", "payment_method_id must be pix")
		return
	case req.Amount <= 0:
		fail(http.StatusBadRequest, "bad_request", "transaction_amount must be positive")
		return
	case req.Payer.Email == "":
		fail(http.StatusBadRequest, "bad_request", "payer.email is required")
		return
	}
	if req.DateOfExpiration != "" {
		if _, err := time.Parse(mercadopago.DateLayout, req.DateOfExpiration); err != nil {
			fail(http.StatusBadRequest, "bad_request", "date_of_expiration must be yyyy-MM-dd'T'HH:mm:ss.SSSz")
			return
		}
	}
	id := s.nextID
	s.nextID++
	code, err := pix.BRCode(pix.Payload{Key: "pagamentos@mercadopago.example", Name: "MERCADO PAGO", City: "OSASCO",
		Amount: int64(req.Amount), TxID: fmt.Sprintf("MP%d", id)})
	if err != nil {
		fail(http.StatusInternalServerError, "internal_error", err.Error())
		return
	}
	png, err := pix.QRCodePNG(code, 256)
	if err != nil {
		fail(http.StatusInternalServerError, "internal_error", err.Error())
		return
	}
	p := &Payment{ID: id, Status: mercadopago.StatusPending, StatusDetail: "pending_waiting_transfer", Amount: int64(req.Amount),
		Description: req.Description, ExternalReference: req.ExternalReference, DateOfExpiration: req.DateOfExpiration,
		PayerEmail: req.Payer.Email, IdempotencyKey: call.IdempotencyKey, QRCode: code, QRCodePNG: png}
	s.payments[id] = p
	s.byKey[call.IdempotencyKey] = id
	reply(http.StatusCreated, p.json())
}

func (p *Payment) json() map[string]any {
	amount := p.Amount
	if p.Status == mercadopago.StatusApproved && p.PaidAmount != 0 {
		amount = p.PaidAmount
	}
	return map[string]any{
		"id":                 p.ID,
		"status":             p.Status,
		"status_detail":      p.StatusDetail,
		"currency_id":        "BRL",
		"transaction_amount": json.Number(fmt.Sprintf("%d.%02d", amount/100, amount%100)),
		"payment_method_id":  "pix",
		"payment_type_id":    "bank_transfer",
		"description":        p.Description,
		"external_reference": p.ExternalReference,
		"date_of_expiration": p.DateOfExpiration,
		"payer":              map[string]any{"email": p.PayerEmail},
		"point_of_interaction": map[string]any{
			"type": "PIX",
			"transaction_data": map[string]any{
				"qr_code":        p.QRCode,
				"qr_code_base64": base64.StdEncoding.EncodeToString(p.QRCodePNG),
				"ticket_url":     fmt.Sprintf("https://www.mercadopago.com.br/payments/%d/ticket", p.ID),
			},
		},
	}
}
