// Outgoing mail. With TESSERA_SMTP_URL, through nodemailer's SMTP transport; without it (the embedded
// default), each message is written as JSON to <dataDir>/outbox/ and its link logged, so a developer can
// sign in with no mail server. That log line carries a live sign-in link: it exists only in this
// development mode, never when SMTP is configured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { randomBase62 } from '../crypto.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** The one link the message is about (logged in outbox mode only). */
  link: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export function createMailer(config: Config, logger: Logger, now: () => number): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message) {
        await transport.sendMail({
          from: config.mailFrom,
          to: message.to,
          subject: message.subject,
          text: message.text,
        });
      },
    };
  }
  const outbox = join(config.dataDir, 'outbox');
  return {
    async send(message) {
      mkdirSync(outbox, { recursive: true, mode: 0o700 });
      const file = join(outbox, `${now()}-${randomBase62(8)}.json`);
      const record = { from: config.mailFrom, ...message, created_at: new Date(now()).toISOString() };
      writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      logger.info({ event: 'console.mail_outbox', file, link: message.link }, 'mail written to the outbox');
    },
  };
}
