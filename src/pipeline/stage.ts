import type { FastifyReply, FastifyRequest } from 'fastify';

/** One step of the request pipeline. It owns one security property and throws its catalogued ApiError. */
export type Stage = (request: FastifyRequest, reply: FastifyReply) => Promise<void> | void;
