// Package whatsapp runs one WhatsApp session per reseller (Telegram chat_id)
// and sends reminders from that reseller's own number and no other.
//
// Isolation by construction:
//   - Manager keeps exactly one session object per chat_id for its whole life;
//     a session owns at most one Client, opened by the Driver for that chat_id
//     only (its own device file <DataDir>/whatsapp/<chat_id>.db).
//   - Every public operation takes the chat_id and reaches the client only
//     through that chat_id's session; no method accepts a device JID or a
//     phone number to pick a session.
//   - A received message is stamped with the chat_id of the session whose
//     client received it, and handed to the InboundHandler from that
//     session's own queue (inbound.go): it can reach no other reseller.
//   - Start, pairing and unlink of one chat_id are serialized by the session's
//     lifecycle lock, and a Client is opened only while no other client of the
//     same session exists, so two connections with the same device keys (the
//     cause of StreamReplaced flapping) cannot happen inside one process.
//
// The whatsmeow-specific code lives in whatsmeow.go only: it translates
// whatsmeow events into ClientEvent and whatsmeow errors into this package's
// typed errors. Everything else (pacing, daily cap, JID resolution, pairing
// flow, notifications) is shared by every Driver, including the dry-run one.
package whatsapp
