/** What a view asks of a share: the shell carries it out on the engine. */
/** `allow-access` is for every share waiting for permission to read its file (its shareId is ''). */
export type ShareAction = 'remove' | 'resume' | 'pause' | 'allow-access';

export class ShareActionEvent extends Event {
  constructor(
    readonly action: ShareAction,
    readonly shareId: string,
  ) {
    super('share-action', { bubbles: true, composed: true });
  }
}
