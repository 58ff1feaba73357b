// What a deployment deploys, from a JSON file (deploy/<name>.json): the chain it is meant for, the
// settlement token (a new test token or an existing one), the markets with their feeds and
// heartbeats, the L2 sequencer-uptime feed, the insurance seed and the guardian. Validated with zod,
// so a bad file stops the deploy with one line naming the field.
import { readFileSync } from "node:fs";
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
/** A whole number written as a decimal string (JSON numbers lose precision past 2^53). */
const integer = z.string().regex(/^\d+$/, "must be a whole number written as a string");

const feed = z.union([
  z.object({ address, decimals: z.number().int().min(0).max(36) }).strict(),
  /** A SettableAggregator the owner moves by hand: for local chains and rehearsals only. */
  z.object({ deploy: z.object({ decimals: z.number().int().min(0).max(36), answer: integer }).strict() }).strict(),
]);

export const deploySpecSchema = z
  .object({
    /** The chain this file is for: a deploy to any other chain is refused. */
    chainId: z.number().int().positive(),
    token: z.union([
      z.object({ address, decimals: z.number().int().min(6).max(18) }).strict(),
      z
        .object({
          deploy: z.object({ name: z.string().min(1), symbol: z.string().min(1), decimals: z.number().int().min(6).max(18) }).strict(),
        })
        .strict(),
    ]),
    /** Chainlink's L2 sequencer-uptime feed and the grace period after it comes back up; none on L1. */
    sequencer: z
      .object({ feed, gracePeriodSeconds: z.number().int().min(0).max(86_400) })
      .strict()
      .optional(),
    markets: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, "must be letters and digits (it names the market's contracts)"),
            feed,
            heartbeatSeconds: z.number().int().min(1).max(172_800),
            /** The answers the oracle accepts, in the feed's decimals (1 atom .. 1e9 by default). */
            minAnswer: integer.optional(),
            maxAnswer: integer.optional(),
            /** Overrides of scripts/lib/marketConfig.ts's defaults, raw on-chain values as strings. */
            config: z.record(integer).optional(),
          })
          .strict(),
      )
      .min(1, "needs at least one market")
      .max(16),
    /** Token units (whole tokens, as a string) moved from the deployer into the insurance fund. */
    insuranceSeed: integer.default("0"),
    guardian: address.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = spec.markets.map((m) => m.name);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated) ctx.addIssue({ code: "custom", path: ["markets"], message: `market ${repeated} is listed twice` });
  });

export type DeploySpec = z.infer<typeof deploySpecSchema>;

export class DeployError extends Error {}

export function loadDeploySpec(path: string): DeploySpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new DeployError(`deploy config ${path} cannot be read as JSON`);
  }
  const result = deploySpecSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === "unrecognized_keys") throw new DeployError(`deploy config ${path}: unknown field ${issue.keys.join(", ")}`);
    throw new DeployError(`deploy config ${path}: ${issue.path.join(".") || "config"}: ${issue.message}`);
  }
  return result.data;
}

/** The decimals of a feed, whichever way it comes. */
export const feedDecimals = (f: DeploySpec["markets"][number]["feed"]) => ("deploy" in f ? f.deploy.decimals : f.decimals);

/** The decimals of the settlement token, whichever way it comes. */
export const tokenDecimals = (spec: DeploySpec) => ("deploy" in spec.token ? spec.token.deploy.decimals : spec.token.decimals);
