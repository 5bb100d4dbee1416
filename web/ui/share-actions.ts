/** What a view asks of a share: the shell carries it out on the engine. */
/** `allow-access` is for every share waiting for permission to read its file (its shareId is ''). */
/** `share-here` offers a share in the room the page is in too; `unshare-here` stops offering it there. */
export type ShareAction = 'remove' | 'resume' | 'pause' | 'allow-access' | 'share-here' | 'unshare-here';

export class ShareActionEvent extends Event {
  constructor(
    readonly action: ShareAction,
    readonly shareId: string,
  ) {
    super('share-action', { bubbles: true, composed: true });
  }
}
