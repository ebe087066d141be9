// Fault injection for the fakes: fail the Nth matching call (or the next N) of an operation, a
// service or any call, with throttling, a 5xx, expired credentials or any AWS error.
import { awsFailure } from './errors.js';

export type Fault = 'throttle' | '5xx' | 'expired' | 'skew' | 'access-denied' | { readonly name: string; readonly status: number; readonly message?: string };

export interface FaultRule {
  /** 'iot.CreateThing', 'iot' or '*' (default). */
  readonly operation?: string;
  /** Fail from the nth matching call (1-based); default the next one. */
  readonly nth?: number;
  /** How many calls fail from there (default 1; Infinity for all). */
  readonly times?: number;
  readonly fault: Fault;
}

const SHAPES: Record<Exclude<Fault, object>, { name: string; status: number; message: string }> = {
  throttle: { name: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
  '5xx': { name: 'InternalFailure', status: 500, message: 'We encountered an internal error. Please try again.' },
  expired: { name: 'ExpiredTokenException', status: 400, message: 'The security token included in the request is expired' },
  skew: { name: 'RequestTimeTooSkewed', status: 403, message: 'The difference between the request time and the current time is too large.' },
  'access-denied': { name: 'AccessDeniedException', status: 403, message: 'User is not authorized to perform this action' },
};

interface Armed {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

export class Faults {
  private readonly rules: Armed[] = [];

  inject(rule: FaultRule): this {
    this.rules.push({ rule, seen: 0, fired: 0 });
    return this;
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** Throws the injected failure when a rule matches this call. */
  check(service: string, operation: string): void {
    for (const a of this.rules) {
      const where = a.rule.operation ?? '*';
      if (where !== '*' && where !== service && where !== `${service}.${operation}`) continue;
      a.seen++;
      const from = a.rule.nth ?? a.seen - a.fired;
      if (a.seen < from || a.fired >= (a.rule.times ?? 1)) continue;
      a.fired++;
      const f = a.rule.fault;
      const shape = typeof f === 'string' ? SHAPES[f] : { message: `${f.name} (injected)`, ...f };
      throw awsFailure(service, operation, shape.name, shape.status, shape.message);
    }
  }
}
