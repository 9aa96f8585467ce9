import { Button, Dialog, DialogTrigger, Heading, Modal } from 'react-aria-components';

/** A button that asks first: the dialog names what will happen; Escape or Cancel closes it. */
export function ConfirmButton(props: { label: string; title: string; children: React.ReactNode; confirmLabel: string; onConfirm: () => void; danger?: boolean }) {
  return (
    <DialogTrigger>
      <Button className={`button ${props.danger ? 'danger' : 'secondary'}`}>{props.label}</Button>
      <Modal className="modal" isDismissable>
        <Dialog className="dialog" role="alertdialog">
          {({ close }) => (
            <>
              <Heading slot="title">{props.title}</Heading>
              <div>{props.children}</div>
              <div className="actions">
                <Button className="button secondary" onPress={close} autoFocus>
                  Cancel
                </Button>
                <Button
                  className={`button ${props.danger ? 'danger' : ''}`}
                  onPress={() => {
                    close();
                    props.onConfirm();
                  }}
                >
                  {props.confirmLabel}
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
