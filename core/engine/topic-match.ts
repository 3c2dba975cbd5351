/**
 * Which subscriptions a published message reaches (docs/topics.md "Filtering"). Pure functions.
 *
 * Tags (filterType 1, CMQ's filterTag): a subscription without filter tags gets every message; one
 * with filter tags gets a message that carries at least one of them; an untagged message never
 * reaches a tagged subscription.
 *
 * Routing keys (filterType 2, CMQ's bindingKey): keys are words separated by `.`; in a binding key
 * the word `*` matches exactly one word and `#` zero or more words, as in an AMQP topic exchange.
 * A `*` or `#` inside a word (`a*`) is a literal character. CMQ's text says `#` matches "one or
 * more characters"; Spool takes AMQP's meaning.
 */

/** CMQ's filterType: 1 filters by tags, 2 by routing key. */
export type FilterType = 1 | 2;

export interface MessageRouting {
  tags: readonly string[];
  routingKey: string | null;
}

export interface SubscriptionFilter {
  filterTags: readonly string[];
  bindingKeys: readonly string[];
}

export function matchesTags(filterTags: readonly string[], messageTags: readonly string[]): boolean {
  if (filterTags.length === 0) return true;
  return messageTags.some((tag) => filterTags.includes(tag));
}

/** AMQP topic matching of one binding key against a routing key. */
export function matchesBindingKey(bindingKey: string, routingKey: string): boolean {
  const pattern = bindingKey.split('.');
  const words = routingKey.split('.');
  // reachable[j]: the pattern's first i words can match the key's first j words.
  let reachable = new Array<boolean>(words.length + 1).fill(false);
  reachable[0] = true;
  for (const part of pattern) {
    const next = new Array<boolean>(words.length + 1).fill(false);
    for (let j = 0; j <= words.length; j++) {
      if (!reachable[j]) continue;
      if (part === '#') {
        // Zero or more words: this position and every later one (j is the first reachable).
        for (let k = j; k <= words.length; k++) next[k] = true;
        break;
      }
      if (j < words.length && (part === '*' || part === words[j])) next[j + 1] = true;
    }
    reachable = next;
  }
  return reachable[words.length]!;
}

/** Does a message reach a subscription on a topic of this filter type? */
export function subscriptionMatches(filterType: FilterType, filter: SubscriptionFilter, message: MessageRouting): boolean {
  if (filterType === 1) return matchesTags(filter.filterTags, message.tags);
  const { routingKey } = message;
  return routingKey !== null && filter.bindingKeys.some((key) => matchesBindingKey(key, routingKey));
}
