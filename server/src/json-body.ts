import type { Context } from 'hono';
import { badData } from './errors.js';

/** The request's JSON body; a body that is not JSON is a 400 naming that. */
export async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw badData('request body must be JSON');
  }
}
