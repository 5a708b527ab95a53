/** A subscriber of the sample service, as in the walk-through. */
export interface Client {
  /** Digits only: the key "87-89-34" is user 878934. */
  user_id: string;
  subscribed_topics: string[];
}

/** The three clients every fresh service starts with, keyed as in the walk-through. */
export function initialClients(): Map<string, Client> {
  return new Map([
    ['87-89-34', { user_id: '878934', subscribed_topics: ['news', 'sports'] }],
    ['22-38-21', { user_id: '223821', subscribed_topics: ['weather'] }],
    ['12-67-22', { user_id: '126722', subscribed_topics: ['news', 'music', 'tech'] }],
  ]);
}
