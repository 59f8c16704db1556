package store

// Tenant is one reseller's view of the database. Every repository reached
// from it filters by this reseller's chat_id; there is no way to pass another
// tenant's id to its methods.
type Tenant struct {
	s      *Store
	chatID int64
}

// Tenant returns the handle of the reseller whose Telegram chat is chatID.
func (s *Store) Tenant(chatID int64) Tenant { return Tenant{s: s, chatID: chatID} }

// ChatID returns the tenant's chat id.
func (t Tenant) ChatID() int64 { return t.chatID }

// Account is the tenant's own reseller row.
func (t Tenant) Account() Accounts { return Accounts{t} }

// Conversations is the tenant's wizard state.
func (t Tenant) Conversations() Conversations { return Conversations{t} }
