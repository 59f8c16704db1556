package store

import (
	"context"
	"testing"
)

// The erasure of a large reseller (500 clients, 2,000 messages, among 50
// resellers): with secure_delete and the WAL checkpoint, this is what
// /apagarconta and the admin's excluir cost.
func BenchmarkErase500Clients2kMessages(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		s := seedResellers(b, 50, 2000)
		b.StartTimer()
		if err := s.Tenant(1).Account().Erase(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
