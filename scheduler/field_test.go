package scheduler

import (
	"fmt"
	"testing"

	"renovabot/store"
	"renovabot/whatsapp"
)

// A 463 from one recipient (no reach-out time-lock on the account) is that
// contact's: retried once later, then failed with a reason the reseller
// understands. The other clients go out, and nobody hears of a lock.
func TestRecipientRefusalRetriedOnceThenFails(t *testing.T) {
	e := newEnv(t, nil)
	e.reseller(1)
	e.link(1, "5511900000001")
	today := day(2026, 11, 28)
	ana := e.client(1, "Ana", "5521900000001", today)
	bia := e.client(1, "Bia", "5521900000002", today)
	carla := e.client(1, "Carla", "5521900000003", today)
	refused := fmt.Errorf("%w: server returned error 463", whatsapp.ErrRecipientRestricted)

	e.drv.FailNextSend(1, refused) // Ana
	e.drv.FailNextSend(1, refused) // Bia
	e.at(sp(2026, 11, 28, 9, 0))
	for _, c := range []store.Client{ana, bia} {
		if m := e.rowOf(1, c.ID); m.Status != store.MsgPending || m.Attempts != 1 || m.Error != reasonRestrictedRetry {
			t.Fatalf("%s after the first refusal = %+v", c.Name, m)
		}
	}
	if m := e.rowOf(1, carla.ID); m.Status != store.MsgSent {
		t.Fatalf("the next client waited: %+v", m)
	}
	e.at(sp(2026, 11, 28, 9, 29)) // not yet
	if n := len(e.drv.Sends()); n != 1 {
		t.Fatalf("%d sends: retried before the wait", n)
	}

	e.drv.FailNextSend(1, refused) // Ana again; Bia's retry goes through
	e.at(sp(2026, 11, 28, 9, 30))
	if m := e.rowOf(1, ana.ID); m.Status != store.MsgFailed || m.Attempts != 2 || m.Error != reasonRestricted {
		t.Fatalf("Ana after the second refusal = %+v", m)
	}
	if m := e.rowOf(1, bia.ID); m.Status != store.MsgSent || m.Error != "" || len(e.sentTo(bia.Phone)) != 1 {
		t.Fatalf("Bia after the retry = %+v", m)
	}
	if len(e.notes.waitingOf(1)) != 0 {
		t.Fatalf("a recipient's refusal was reported as waiting: %+v", e.notes.waitingOf(1))
	}
	sums := e.notes.summariesOf(1)
	if len(sums) != 1 || sums[0].Sent != 2 || sums[0].Failed != 1 || sums[0].FailedList[0].Reason != reasonRestricted {
		t.Fatalf("summary = %+v", sums)
	}
}
