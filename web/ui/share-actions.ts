/** What a view asks of a share: the shell carries it out on the engine. */
export type ShareAction = 'remove' | 'resume' | 'pause';

export class ShareActionEvent extends Event {
  constructor(
    readonly action: ShareAction,
    readonly shareId: string,
  ) {
    super('share-action', { bubbles: true, composed: true });
  }
}
