-- PostgreSQL twin of migrations/0015_send_parts_urgency.sql.
-- Sending messages (issue 13: the kind that fits, urgency under the daily
-- cap, the Pix copia-e-cola on its own, empty variables).

-- A message may go out as two WhatsApp messages: the text, then the Pix
-- copia-e-cola alone so the client copies it with one long-press. The
-- second one's id is chosen before sending, like wa_id, so a reminder
-- resent after a crash reuses both ids and the client sees neither twice;
-- its text is kept so a recipient asking for it again (a retry receipt)
-- is answered from here. Receipts follow the first message (wa_id).
ALTER TABLE messages ADD COLUMN follow_wa_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN follow_body TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX messages_by_follow_wa_id ON messages (reseller_id, follow_wa_id) WHERE follow_wa_id != '';

-- A reseller's outbox is sent most urgent first: overdue (the largest stage
-- first), then due today, then before the due date, so a daily cap holds
-- back the reminders that can best wait. The index walks it in that order
-- (store.Reminders.NextOutbox). It replaces messages_outbox (status,
-- reseller_id, id), whose other users (the scheduler's resellers with
-- something due, closing a reseller's day) it serves as well: one index
-- to keep up on every status change of a reminder, not two.
DROP INDEX messages_outbox;
CREATE INDEX messages_outbox_urgency ON messages (reseller_id, (-stage), id)
WHERE status IN ('pending', 'sending');

-- The default reminder texts now say when the plan is due with
-- {quando_vence} ("vence em 3 dias", "venceu há 10 dias"), which reads
-- right on any day, instead of "vence {dias}" / "venceu {dias}" ("venceu em
-- 73 dias" when sent to the wrong client). Each reseller keeps a copy of
-- the texts: the copies still equal to the old default become the new
-- default; texts a reseller wrote are left alone.
UPDATE templates SET body = 'Olá, {primeiro_nome}! Tudo bem?

Passando para lembrar que seu plano *{plano}* {quando_vence}, no dia *{vencimento}*.
💰 Valor: *{valor}*

Para renovar, é só fazer o pagamento e enviar o comprovante aqui. Obrigado pela preferência!'
WHERE kind = 'lembrete' AND body = 'Olá, {primeiro_nome}! Tudo bem?

Passando para lembrar que seu plano *{plano}* vence {dias}, no dia *{vencimento}*.
💰 Valor: *{valor}*

Para renovar, é só fazer o pagamento e enviar o comprovante aqui. Obrigado pela preferência!';

UPDATE templates SET body = 'Olá, {primeiro_nome}!

Seu plano *{plano}* {quando_vence} ({vencimento}).
💰 Valor: *{valor}*

Renove ainda hoje para continuar sem interrupção. Depois de pagar, é só mandar o comprovante por aqui. 😉'
WHERE kind = 'vence_hoje' AND body = 'Olá, {primeiro_nome}!

Seu plano *{plano}* vence *hoje* ({vencimento}).
💰 Valor: *{valor}*

Renove ainda hoje para continuar sem interrupção. Depois de pagar, é só mandar o comprovante por aqui. 😉';

UPDATE templates SET body = 'Olá, {primeiro_nome}.

Seu plano *{plano}* {quando_vence} ({vencimento}) e ainda não identificamos o pagamento.
💰 Valor: *{valor}*

Para regularizar, faça o pagamento e envie o comprovante por aqui. Se você já pagou, por favor desconsidere esta mensagem.'
WHERE kind = 'vencido' AND body = 'Olá, {primeiro_nome}.

Seu plano *{plano}* venceu {dias} ({vencimento}) e ainda não identificamos o pagamento.
💰 Valor: *{valor}*

Para regularizar, faça o pagamento e envie o comprovante por aqui. Se você já pagou, por favor desconsidere esta mensagem.';
