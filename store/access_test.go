package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"renovabot/billing"
)

func TestStateAgreesWithHasAccess(t *testing.T) {
	now := t0
	for _, st := range []ResellerStatus{StatusTrial, StatusActive, StatusExpired, StatusBlocked} {
		for _, until := range []time.Time{{}, now.Add(-time.Second), now, now.Add(time.Second)} {
			for _, pending := range []bool{false, true} {
				r := Reseller{Status: st, AccessUntil: until, AwaitingApproval: pending}
				if got := r.State(now); got.HasAccess() != r.HasAccess(now) {
					t.Errorf("%+v: State = %s but HasAccess = %v", r, got, r.HasAccess(now))
				}
			}
		}
	}
	for _, tc := range []struct {
		r    Reseller
		want AccessState
	}{
		{Reseller{Status: StatusTrial, AccessUntil: now.Add(time.Hour)}, StateTrial},
		{Reseller{Status: StatusTrial, AccessUntil: now}, StateExpired},
		{Reseller{Status: StatusActive}, StateActive},
		{Reseller{Status: StatusActive, AccessUntil: now.Add(-time.Hour)}, StateExpired},
		{Reseller{Status: StatusExpired}, StateExpired},
		{Reseller{Status: StatusBlocked, AccessUntil: now.Add(time.Hour)}, StateBlocked},
		{Reseller{Status: StatusBlocked, AwaitingApproval: true}, StatePending},
		// The approval mark denies access whatever the status says.
		{Reseller{Status: StatusActive, AwaitingApproval: true}, StatePending},
	} {
		if got := tc.r.State(now); got != tc.want {
			t.Errorf("%+v.State = %s, want %s", tc.r, got, tc.want)
		}
	}
}

func TestRegisterAsTrialExpiresByClock(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	until := t0.Add(7 * 24 * time.Hour)
	r, created, err := s.Tenant(10).Account().RegisterAs(ctx, "Ana", "", "America/Sao_Paulo", Access{Status: StatusTrial, Until: until})
	if err != nil || !created || r.Status != StatusTrial || !r.AccessUntil.Equal(until) || !r.StatusSince.Equal(t0) {
		t.Fatalf("register = %+v %v %v", r, created, err)
	}
	if !r.HasAccess(clk.Now()) || r.State(clk.Now()) != StateTrial {
		t.Fatal("new trial has no access")
	}
	// A second registration keeps the access of the first.
	r, created, err = s.Tenant(10).Account().RegisterAs(ctx, "Ana", "", "America/Sao_Paulo", Access{Status: StatusBlocked, AwaitingApproval: true})
	if err != nil || created || r.Status != StatusTrial || r.AwaitingApproval {
		t.Fatalf("re-register changed access: %+v %v", r, err)
	}
	clk.Set(until.Add(-time.Second))
	r, _ = s.Tenant(10).Account().Get(ctx)
	if !r.HasAccess(clk.Now()) {
		t.Fatal("no access one second before the end")
	}
	clk.Set(until)
	r, _ = s.Tenant(10).Account().Get(ctx)
	if r.HasAccess(clk.Now()) || r.State(clk.Now()) != StateExpired {
		t.Fatalf("access at the end: %s", r.State(clk.Now()))
	}
}

func TestRegisterPendingAndDecisions(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	r, _, err := s.Tenant(10).Account().RegisterAs(ctx, "Ana", "", "UTC", Access{Status: StatusBlocked, AwaitingApproval: true})
	if err != nil || r.State(t0) != StatePending || r.HasAccess(t0) {
		t.Fatalf("pending = %+v %v", r, err)
	}
	clk.Advance(time.Hour)
	until := clk.Now().Add(30 * 24 * time.Hour)
	before, after, err := s.AdminSetAccess(ctx, AccessChange{Admin: 900, Target: 10, RequirePending: true,
		Access: Access{Status: StatusActive, Until: until}, Action: AuditApprove, Detail: "1 mês"})
	if err != nil || !before.AwaitingApproval || after.AwaitingApproval || after.State(clk.Now()) != StateActive ||
		!after.AccessUntil.Equal(until) || !after.StatusSince.Equal(clk.Now()) {
		t.Fatalf("approve: before %+v after %+v err %v", before, after, err)
	}
	// A second decision (another admin's Recusar) finds it decided.
	_, _, err = s.AdminSetAccess(ctx, AccessChange{Admin: 901, Target: 10, RequirePending: true,
		Access: Access{Status: StatusBlocked}, Action: AuditRefuse})
	if !errors.Is(err, ErrAlreadyDecided) {
		t.Fatalf("second decision = %v", err)
	}
	if r, _ := s.Tenant(10).Account().Get(ctx); r.State(clk.Now()) != StateActive {
		t.Fatalf("second decision changed the reseller: %+v", r)
	}
	log, err := s.AdminAudit(ctx, 10)
	if err != nil || len(log) != 1 || log[0].Action != AuditApprove || log[0].AdminID != 900 || log[0].TargetID != 10 ||
		log[0].TargetName != "Ana" || log[0].Detail != "1 mês" || !log[0].At.Equal(clk.Now()) {
		t.Fatalf("audit = %+v, %v", log, err)
	}
	// Unknown target: not found, nothing audited.
	if _, _, err := s.AdminSetAccess(ctx, AccessChange{Admin: 900, Target: 77, Access: Access{Status: StatusBlocked}, Action: AuditBlock}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown target = %v", err)
	}
	if log, _ := s.AdminAudit(ctx, 10); len(log) != 1 {
		t.Fatalf("failed change audited: %+v", log)
	}
}

func TestKeepUnlimitedIsTenantScoped(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	if _, _, err := s.Tenant(1).Account().RegisterAs(ctx, "A", "", "UTC", Access{Status: StatusTrial, Until: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Tenant(2).Account().RegisterAs(ctx, "B", "", "UTC", Access{Status: StatusBlocked, AwaitingApproval: true}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	r, err := s.Tenant(2).Account().KeepUnlimited(ctx)
	if err != nil || r.Status != StatusActive || !r.AccessUntil.IsZero() || r.AwaitingApproval || !r.StatusSince.Equal(clk.Now()) {
		t.Fatalf("keep unlimited = %+v, %v", r, err)
	}
	a, _ := s.Tenant(1).Account().Get(ctx)
	if a.Status != StatusTrial || a.AccessUntil.IsZero() {
		t.Fatalf("B's KeepUnlimited changed A: %+v", a)
	}
	if _, err := s.Tenant(3).Account().KeepUnlimited(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unregistered = %v", err)
	}
	// Already unlimited: the status_since stays.
	clk.Advance(time.Minute)
	if r2, _ := s.Tenant(2).Account().KeepUnlimited(ctx); !r2.StatusSince.Equal(r.StatusSince) {
		t.Fatalf("status_since moved without a change: %v -> %v", r.StatusSince, r2.StatusSince)
	}
}

func TestAccessNoticesOncePerEndAndTenant(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	until := t0.Add(3 * 24 * time.Hour)
	for id, a := range map[int64]Access{
		1: {Status: StatusTrial, Until: until},
		2: {Status: StatusActive, Until: until.Add(time.Hour)},
		3: {Status: StatusActive, Until: t0.Add(10 * 24 * time.Hour)},    // too far
		4: {Status: StatusBlocked, Until: until},                         // no access: no notice
		5: {Status: StatusActive},                                        // no end
		6: {Status: StatusBlocked, Until: until, AwaitingApproval: true}, // pending
	} {
		if _, _, err := s.Tenant(id).Account().RegisterAs(ctx, "x", "", "UTC", a); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ResellersWithAccessEnding(ctx, clk.Now(), clk.Now().Add(4*24*time.Hour))
	if err != nil || len(list) != 2 || list[0].ChatID != 1 || list[1].ChatID != 2 {
		t.Fatalf("ending = %+v, %v", list, err)
	}
	a, b := s.Tenant(1).Account(), s.Tenant(2).Account()
	if ok, err := a.ClaimAccessNotice(ctx, NoticeThreeDays, until); !ok || err != nil {
		t.Fatalf("first claim = %v %v", ok, err)
	}
	if ok, _ := a.ClaimAccessNotice(ctx, NoticeThreeDays, until); ok {
		t.Fatal("second claim of the same notice succeeded")
	}
	// B's claims and releases are B's own.
	if ok, _ := b.ClaimAccessNotice(ctx, NoticeThreeDays, until); !ok {
		t.Fatal("B's claim refused because of A's")
	}
	if err := b.ReleaseAccessNotice(ctx, NoticeThreeDays, until); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.ClaimAccessNotice(ctx, NoticeThreeDays, until); ok {
		t.Fatal("B's release removed A's notice")
	}
	// Another kind, or a new end of access (an extension), is a new notice.
	if ok, _ := a.ClaimAccessNotice(ctx, NoticeOneDay, until); !ok {
		t.Fatal("1d refused after 3d")
	}
	if ok, _ := a.ClaimAccessNotice(ctx, NoticeThreeDays, until.Add(24*time.Hour)); !ok {
		t.Fatal("notice for a new end of access refused")
	}
	if err := a.ReleaseAccessNotice(ctx, NoticeOneDay, until); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.ClaimAccessNotice(ctx, NoticeOneDay, until); !ok {
		t.Fatal("released notice cannot be claimed again")
	}
	// Past the end, nobody is a candidate.
	clk.Set(until.Add(2 * time.Hour))
	if list, _ := s.ResellersWithAccessEnding(ctx, clk.Now(), clk.Now().Add(4*24*time.Hour)); len(list) != 0 {
		t.Fatalf("after the end: %+v", list)
	}
}

func TestAdminListSearchAndStats(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	reg := func(id int64, name, user string, a Access) {
		t.Helper()
		if _, _, err := s.Tenant(id).Account().RegisterAs(ctx, name, user, "America/Sao_Paulo", a); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute) // distinct last activity, newest last
	}
	reg(101, "João Silva", "joao", Access{Status: StatusTrial, Until: t0.Add(time.Hour * 100)})
	reg(202, "Maria", "mari", Access{Status: StatusActive})
	reg(303, "Zé", "", Access{Status: StatusBlocked})
	reg(404, "Pedro", "", Access{Status: StatusBlocked, AwaitingApproval: true})
	reg(505, "Expirada", "", Access{Status: StatusTrial, Until: t0})
	plan, _ := s.Tenant(202).Plans().FindByName(ctx, "Mensal")
	for i := range 3 {
		if _, err := s.Tenant(202).Clients().Create(ctx, NewClient{Name: "C", Phone: "5511987650" + string(rune('0'+i)) + "00",
			PlanID: plan.ID, Price: 100, Due: dateOf(t0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Tenant(202).WhatsApp().SaveSession(ctx, WhatsAppSession{DeviceJID: "1:1@s", Phone: "551100", LinkedAt: t0, State: "connected"}); err != nil {
		t.Fatal(err)
	}

	page, total, err := s.AdminListResellers(ctx, 0, 3)
	if err != nil || total != 5 || len(page) != 3 {
		t.Fatalf("page = %d items, total %d, %v", len(page), total, err)
	}
	// Pending first, then newest activity.
	if page[0].ChatID != 404 || page[1].ChatID != 505 || page[2].ChatID != 303 {
		t.Fatalf("order = %d %d %d", page[0].ChatID, page[1].ChatID, page[2].ChatID)
	}
	rest, _, _ := s.AdminListResellers(ctx, 3, 3)
	if len(rest) != 2 || rest[0].ChatID != 202 || rest[0].Clients != 3 || !rest[0].WhatsAppLinked || rest[1].WhatsAppLinked {
		t.Fatalf("second page = %+v", rest)
	}

	for q, want := range map[string][]int64{"joao": {101}, "JOÃO": {101}, "@mari": {202}, "30": {303}, "ze": {303}, "xyz": nil, "": nil} {
		got, n, err := s.AdminSearchResellers(ctx, q, 10)
		if err != nil || n != len(want) || len(got) != len(want) {
			t.Fatalf("search %q = %+v (%d), %v", q, got, n, err)
		}
		for i := range want {
			if got[i].ChatID != want[i] {
				t.Errorf("search %q [%d] = %d, want %d", q, i, got[i].ChatID, want[i])
			}
		}
	}
	if got, n, _ := s.AdminSearchResellers(ctx, "a", 2); n != 3 || len(got) != 2 {
		t.Fatalf("limited search = %d of %d", len(got), n)
	}
	one, err := s.AdminGetReseller(ctx, 202)
	if err != nil || one.Name != "Maria" || one.Clients != 3 || !one.WhatsAppLinked {
		t.Fatalf("get = %+v, %v", one, err)
	}
	if _, err := s.AdminGetReseller(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get unknown = %v", err)
	}

	// Messages: today, 5 days ago, 20 days ago, 40 days ago; and failures.
	c, _, _ := s.Tenant(202).Clients().List(ctx, FilterAll, dateOf(t0), 0, 1)
	logAt := func(at time.Time, status MessageStatus, origin string) {
		t.Helper()
		saved := clk.Now()
		clk.Set(at)
		if _, err := s.Tenant(202).Messages().Log(ctx, NewMessage{ClientID: c[0].ID, Phone: c[0].Phone, Kind: "lembrete", Origin: origin, Status: status}); err != nil {
			t.Fatal(err)
		}
		clk.Set(saved)
	}
	now := clk.Now()
	dayStart := time.Date(2026, 11, 28, 0, 0, 0, 0, LoadLocation("America/Sao_Paulo"))
	for _, at := range []time.Time{now, now.AddDate(0, 0, -5), now.AddDate(0, 0, -20), now.AddDate(0, 0, -40)} {
		logAt(at, MsgSent, OriginAuto)
	}
	logAt(now, MsgSent, OriginManual) // not a reminder
	logAt(now, MsgFailed, OriginAuto)
	logAt(now.AddDate(0, 0, -10), MsgFailed, OriginManual)
	logAt(now, MsgFailed, OriginTest) // a test to oneself is not a failure to a client
	st, err := s.AdminStats(ctx, now, dayStart)
	if err != nil {
		t.Fatal(err)
	}
	wantStates := map[AccessState]int{StateTrial: 1, StateActive: 1, StateBlocked: 1, StatePending: 1, StateExpired: 1}
	for k, v := range wantStates {
		if st.ByState[k] != v {
			t.Errorf("state %s = %d, want %d", k, st.ByState[k], v)
		}
	}
	if st.Resellers != 5 || st.Clients != 3 || st.WhatsAppLinked != 1 ||
		st.Sent != (Periods{1, 2, 3}) || st.Failed != (Periods{1, 1, 2}) {
		t.Fatalf("stats = %+v", st)
	}

	ids, err := s.AdminBroadcastRecipients(ctx, now, 202)
	if err != nil || len(ids) != 1 || ids[0] != 101 {
		t.Fatalf("recipients = %v, %v", ids, err)
	}
}

func dateOf(t time.Time) billing.Date { return billing.Today(t, LoadLocation("America/Sao_Paulo")) }

// The tick's one read of the notices already claimed: only for the listed
// resellers, only for the end of access each has now.
func TestClaimedAccessNoticesForTheCurrentEnd(t *testing.T) {
	s, clk := openTest(t)
	ctx := context.Background()
	until := t0.Add(3 * 24 * time.Hour)
	for _, id := range []int64{1, 2, 3} {
		if _, _, err := s.Tenant(id).Account().RegisterAs(ctx, "x", "", "UTC", Access{Status: StatusTrial, Until: until}); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(id int64, kind string, end time.Time) {
		t.Helper()
		if ok, err := s.Tenant(id).Account().ClaimAccessNotice(ctx, kind, end); !ok || err != nil {
			t.Fatalf("claim %d %s: %v %v", id, kind, ok, err)
		}
	}
	claim(1, NoticeThreeDays, until)
	claim(1, NoticeOneDay, until.Add(-24*time.Hour)) // an earlier end: not this one
	claim(3, NoticeThreeDays, until)                 // not listed
	list, err := s.ResellersWithAccessEnding(ctx, clk.Now(), clk.Now().Add(4*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	list = list[:2] // resellers 1 and 2
	got, err := s.ClaimedAccessNotices(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[1]) != 1 || !got[1][NoticeThreeDays] {
		t.Fatalf("claimed = %v, want only reseller 1's 3d", got)
	}
}
